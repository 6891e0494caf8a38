// Sign in with Google (OpenID Connect, authorization code + PKCE + state + nonce), on the auth function:
//   GET /auth/google/login?return_to=…[&org=…|&login_hint=…]   → Google's consent screen
//   GET /auth/google/callback                                  ← Google's redirect back (a contract)
// The id_token is verified with jose against Google's JWKS (google-oauth.ts): issuer, audience, expiry,
// then here the nonce, a verified email and the Workspace `hd` claim. Sign-in asks for the basic
// profile and the contacts scopes with offline access, so Contacts is connected at sign-in. A company
// Switchboard does not know yet is onboarded by its super admin: the Directory scopes are asked at that
// moment only (a second round trip), and the org is created keyed by the Google customer id. Success
// ends like SAML: completeSignIn() and a one-time code for POST /v1/session/exchange.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { WorkspaceAdminApi } from "../google/workspace-admin-api";
import { AppError, isAppError } from "../platform/errors";
import { CREDENTIAL_RATE_LIMIT, type RequestContext, type Route, route } from "../platform/http";
import { isIdentifier } from "../platform/identifiers";
import type { OneTimeRecords } from "../platform/one-time-records";
import { auditConsent } from "./consent-audit";
import type { GoogleIdentity, TokenSet } from "./google-oauth";
import { GOOGLE_SIGN_IN_CALLBACK_PATH, type IdentityServices } from "./identity-services";
import { IDENTITY_SCOPES, INTEGRATIONS, missingScopes } from "./integrations";
import { storeGrant } from "./oauth-callback-routes";
import { sha256url } from "./oauth-state";
import { checkReturnUrl, withParams } from "./return-urls";
import { auditSignInRefused, completeSignIn, type SignInDeps, type SignInSettings } from "./sign-in";
import { SealedToken } from "./token-cipher";

const G = "https://www.googleapis.com/auth/";
/** "openid email profile" and Contacts, offline: what the product we model asks at sign-in. */
export const SIGN_IN_SCOPES = [...IDENTITY_SCOPES, `${G}userinfo.profile`, ...INTEGRATIONS.contacts.scopes];
/** Asked only when an unknown company's first person signs in: is this a super admin, of which customer. */
export const ONBOARDING_SCOPES = [
  ...IDENTITY_SCOPES,
  `${G}admin.directory.user.readonly`,
  `${G}admin.directory.domain.readonly`,
];

export const GOOGLE_LOGIN_TTL_MS = 10 * 60 * 1000;
/** One Google sign-in in flight, under its state: single use, with a sealed PKCE verifier and the nonce. */
export const GoogleLogin = z.looseObject({
  stage: z.enum(["sign_in", "onboard"]),
  returnTo: z.string(),
  nonce: z.string(),
  codeVerifier: SealedToken,
  /** The org the app asked for (`org=`), which the account must belong to. */
  orgId: z.string().optional(),
  /** Onboarding round trip: the Google account that started it. */
  sub: z.string().optional(),
});
export type GoogleLogin = z.infer<typeof GoogleLogin>;

/** An org as sign-in sees it (the orgs capability, handed in by the composition root). */
export interface SignInOrg extends SignInSettings {
  id: string;
  primaryDomain: string | null;
}

export interface SignInOrgs {
  get(orgId: string): Promise<SignInOrg | undefined>;
  /** The org that owns a Workspace domain (the id_token's `hd`). */
  byDomain(domain: string): Promise<SignInOrg | undefined>;
  byCustomer(customerId: string): Promise<SignInOrg | undefined>;
  /** Creates the org of a Workspace customer with its super admin as first admin (idempotent). */
  onboard(input: {
    customerId: string;
    domains: string[];
    admin: { email: string; name: string; workspaceId: string; googleSub: string };
  }): Promise<SignInOrg>;
}

export interface GoogleSignInDeps extends Omit<SignInDeps, "orgSettings"> {
  identity: IdentityServices;
  orgs: SignInOrgs;
  logins: OneTimeRecords<GoogleLogin>;
  /** The Directory API as the signing-in person (their access token from this sign-in). */
  workspaceAdmin: (accessToken: string) => WorkspaceAdminApi;
  allowedReturnOrigins: () => string[];
  defaultReturnUrl: () => string | undefined;
  /** Contacts was connected at sign-in: its first sync starts now. */
  contactsConnected?: (user: { orgId: string; userId: string }) => Promise<void>;
}

/** The verifier is sealed with the nonce as binding: the login record alone cannot finish the flow. */
const verifierBinding = (nonce: string) => ({
  orgId: "google-sign-in",
  userId: "-",
  grantId: `login:${sha256url(nonce)}`,
  field: "pkce_verifier" as const,
});

const sameSecret = (a: string, b: string) => {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
};

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function googleSignInRoutes(deps: GoogleSignInDeps): Route[] {
  const oauth = () => deps.identity.signInOAuth();
  const signInDeps: SignInDeps = { ...deps, orgSettings: (orgId) => deps.orgs.get(orgId) };

  /** Creates the login record and answers with the redirect to Google's consent screen. */
  async function toGoogle(
    login: { stage: GoogleLogin["stage"]; returnTo: string; orgId?: string; sub?: string },
    scopes: string[],
    hints: { loginHint?: string; hd?: string },
  ) {
    const nonce = randomBytes(32).toString("base64url");
    const verifier = randomBytes(48).toString("base64url");
    const codeVerifier = await deps.identity.cipher().seal(verifier, verifierBinding(nonce));
    const state = await deps.logins.create({ ...login, nonce, codeVerifier });
    const location = oauth().authorizationUrl({
      scopes,
      state,
      codeChallenge: sha256url(verifier),
      nonce,
      ...(hints.loginHint ? { loginHint: hints.loginHint } : {}),
      ...(hints.hd ? { hd: hints.hd } : {}),
    });
    return { status: 302, headers: { location }, text: "" };
  }

  /** Google's answer: the code exchanged with the PKCE verifier, the id_token checked in full. */
  async function verifiedAnswer(
    ctx: RequestContext,
    login: GoogleLogin,
  ): Promise<{ tokens: TokenSet; who: GoogleIdentity }> {
    const error = ctx.query.get("error");
    if (error)
      throw new AppError("forbidden", "Google sign-in was not completed", {
        details: { reason: error.slice(0, 100) },
      });
    const code = ctx.query.get("code");
    if (!code) throw new AppError("invalid_request", "Google's answer carries no authorization code");
    const verifier = await deps.identity.cipher().open(login.codeVerifier, verifierBinding(login.nonce));
    const tokens = await oauth().exchangeCode(code, verifier);
    if (!tokens.idToken) throw new AppError("google_id_token_invalid", "Google's answer carries no id_token");
    let who: GoogleIdentity;
    try {
      who = await oauth().verifyIdToken(tokens.idToken);
    } catch (cause) {
      throw new AppError(
        "google_id_token_invalid",
        "Google's id_token did not verify (signature, issuer, audience or expiry)",
        { cause: isAppError(cause) ? cause.cause : cause },
      );
    }
    if (!who.nonce || !sameSecret(who.nonce, login.nonce))
      throw new AppError("google_nonce_mismatch", "The id_token was not issued for this sign-in (nonce)");
    if (!who.emailVerified)
      throw new AppError("google_email_unverified", "Google has not verified this account's email address");
    if (!who.hd)
      throw new AppError(
        "workspace_account_required",
        "Sign in with a Google Workspace (company) account; personal Google accounts cannot sign in",
      );
    if (login.sub && login.sub !== who.sub)
      throw new AppError("forbidden", "Onboarding must finish with the Google account that started it");
    return { tokens, who };
  }

  /** An unknown company: only its super admin may create the org (checked with Google). */
  async function onboard(who: GoogleIdentity & { hd: string }, tokens: TokenSet): Promise<SignInOrg> {
    const notSetUp = new AppError(
      "org_not_set_up",
      `Switchboard is not set up for ${who.hd} yet: your Google Workspace super admin must sign in first to set it up`,
      { details: { domain: who.hd } },
    );
    const directory = deps.workspaceAdmin(tokens.accessToken);
    const me = await directory.me(who.email);
    if (!me?.isSuperAdmin || !me.customerId) throw notSetUp;
    const known = await deps.orgs.byCustomer(me.customerId);
    if (known) return known;
    return deps.orgs.onboard({
      customerId: me.customerId,
      domains: await directory.verifiedDomains(),
      admin: {
        email: who.email,
        name: me.fullName || who.name || who.email,
        workspaceId: me.id,
        googleSub: who.sub,
      },
    });
  }

  async function connectContacts(
    user: { orgId: string; userId: string },
    tokens: TokenSet,
    who: GoogleIdentity,
  ) {
    if (missingScopes(INTEGRATIONS.contacts, tokens.scopes).length > 0) return;
    const grant = await storeGrant(deps.identity, { ...user, integration: "contacts" }, tokens, who);
    if (!grant) return; // no refresh token and no earlier grant: Contacts can be connected later
    await auditConsent(deps.identity, {
      ...user,
      action: "integration.connected",
      outcome: "success",
      integration: "contacts",
      details: { status: "connected", grantId: grant.grantId, googleEmail: who.email, via: "google_sign_in" },
    });
    await deps.contactsConnected?.(user);
  }

  return [
    route({
      method: "GET",
      path: "/auth/google/login",
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      query: {
        return_to: {
          description: "Where the app wants the browser back (an allowed app origin)",
          maxLength: 2000,
        },
        org: { description: "The organisation the person signs in to (optional)", kind: "id" },
        login_hint: { description: "The Google account to preselect (optional)", maxLength: 320 },
      },
      summary:
        "Sign in with Google: redirects to Google's consent screen (openid email profile and Contacts, offline)",
      success: { status: 302, description: "Redirect to Google" },
      async handler({ query }) {
        const returnTo = checkReturnUrl(
          query.get("return_to"),
          deps.allowedReturnOrigins(),
          deps.defaultReturnUrl(),
        );
        const orgId = query.get("org") || undefined;
        const loginHint = query.get("login_hint") || undefined;
        if (loginHint && !EMAIL.test(loginHint))
          throw new AppError("invalid_request", "login_hint must be an email address");
        let hd: string | undefined;
        if (orgId) {
          if (!isIdentifier(orgId)) throw new AppError("invalid_request", "org is not a valid id");
          const org = await deps.orgs.get(orgId);
          if (!org) throw new AppError("not_found", `No organisation ${orgId}`);
          hd = org.primaryDomain ?? undefined;
        }
        return toGoogle({ stage: "sign_in", returnTo, ...(orgId ? { orgId } : {}) }, SIGN_IN_SCOPES, {
          ...(loginHint ? { loginHint } : {}),
          ...(hd ? { hd } : {}),
        });
      },
    }),
    route({
      method: "GET",
      path: GOOGLE_SIGN_IN_CALLBACK_PATH,
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      query: {
        state: { description: "The sign-in's single-use state", maxLength: 200 },
        code: { description: "Google's authorization code", maxLength: 2000 },
        error: { description: "Google's error (e.g. access_denied)", maxLength: 200 },
      },
      summary:
        "Google's redirect after Sign in with Google: verifies the id_token, signs in, redirects with a one-time code",
      success: { status: 303, description: "Redirect to return_to?code=… (POST /v1/session/exchange)" },
      async handler(ctx) {
        const ip = ctx.raw.ip;
        const login = await deps.logins.consume(ctx.query.get("state") ?? "");
        if (!login)
          throw new AppError(
            "oauth_state_invalid",
            "This sign-in is unknown, expired or already used; start again",
          );
        let orgId: string | undefined;
        try {
          const { tokens, who } = await verifiedAnswer(ctx, login);
          const hd = who.hd!;
          let org = await deps.orgs.byDomain(hd);
          const mismatch = () =>
            new AppError("org_mismatch", "This Google account belongs to another organisation");
          // Asked to sign in to a given org: an account of another (or no) org never onboards one.
          if (login.orgId && login.orgId !== org?.id) throw mismatch();
          if (!org && login.stage === "sign_in") {
            // Unknown company: ask (only now) for what tells a super admin, then come back here.
            return toGoogle(
              {
                stage: "onboard",
                returnTo: login.returnTo,
                sub: who.sub,
              },
              ONBOARDING_SCOPES,
              { loginHint: who.email },
            );
          }
          org ??= await onboard({ ...who, hd }, tokens);
          orgId = org.id;
          const { code, user } = await completeSignIn(signInDeps, {
            orgId: org.id,
            email: who.email,
            jitProvisioning: org.jitProvisioning,
            method: "google",
            ...(ip ? { ip } : {}),
          });
          await connectContacts({ orgId: org.id, userId: user.id }, tokens, who);
          return { status: 303, headers: { location: withParams(login.returnTo, { code }) }, text: "" };
        } catch (error) {
          const refusal = isAppError(error)
            ? error
            : new AppError("internal", "Sign-in failed", { cause: error });
          if (refusal.status < 500) {
            ctx.log.warn("google.login.refused", { code: refusal.code });
            if (orgId)
              await auditSignInRefused(deps.publisher, { orgId, method: "google", code: refusal.code, ip });
          }
          throw refusal;
        }
      },
    }),
  ];
}
