// Google's redirect back after consent (GET /oauth/google/callback, mounted in the auth function): the
// single-use state is consumed, the code exchanged with the PKCE verifier, the Google account checked
// against the signed-in user, the grant stored, and the browser returned to the app.
import { AppError } from "../platform/errors";
import { converter } from "../platform/firestore";
import { CREDENTIAL_RATE_LIMIT, type HttpResult, type Route, route } from "../platform/http";
import { truncateText } from "../platform/text";
import { auditConsent } from "./consent-audit";
import type { TokenSet } from "./google-oauth";
import { detachIntegration } from "./grant-detach";
import { type Grant, grantIdFor } from "./grant-repository";
import { type IdentityServices, OAUTH_CALLBACK_PATH } from "./identity-services";
import { INTEGRATIONS, type IntegrationName, missingScopes } from "./integrations";
import { OAUTH_STATE_COLLECTION, OAuthState, stateBinding } from "./oauth-state";
import { withParams } from "./return-urls";
/** Where the callback lands the browser: `?integration=..&status=..`. */
export type CallbackStatus = "connected" | "partial" | "denied" | "wrong_account" | "expired" | "error";

/** May the user connect a Google account other than the one they signed in with? An org setting. */
export type OrgPolicy = (orgId: string) => Promise<{ allowOtherGoogleAccount: boolean }>;

export interface CallbackOptions {
  /** Replaces the org setting read from `orgs/{org}` (tests). */
  orgPolicy?: OrgPolicy;
}

function defaultOrgPolicy(services: IdentityServices): OrgPolicy {
  return async (orgId) => {
    const snap = await services.db().doc(`orgs/${orgId}`).get();
    return { allowOtherGoogleAccount: snap.get("settings.allowOtherGoogleAccount") === true };
  };
}

/**
 * Stores (or extends) the grant of the Google account that consented, serving `target.integration`;
 * undefined when there is nothing to refresh with. Used by the consent callback and by Google sign-in.
 */
export async function storeGrant(
  services: IdentityServices,
  state: Pick<OAuthState, "orgId" | "userId" | "integration">,
  tokens: TokenSet,
  identity: { sub: string; email: string },
) {
  const oauth = services.oauth();
  const cipher = services.cipher();
  const now = services.deps.clock();
  const key = {
    orgId: state.orgId,
    userId: state.userId,
    grantId: grantIdFor(oauth.clientId, identity.sub),
  };
  const existing = await services.grants().get(key);
  if (!tokens.refreshToken && existing?.status !== "connected") return undefined; // nothing to refresh with
  const refreshToken = tokens.refreshToken
    ? await cipher.seal(tokens.refreshToken, { ...key, field: "refresh_token" })
    : undefined;
  const accessToken = await cipher.seal(tokens.accessToken, { ...key, field: "access_token" });
  const stored = await services.grants().mutate(key, (current) => {
    const sealed = refreshToken ?? current?.refreshToken;
    if (!sealed || (!refreshToken && current?.status !== "connected")) return undefined;
    const grant: Grant = {
      ...key,
      clientId: oauth.clientId,
      googleSub: identity.sub,
      googleEmail: identity.email,
      integrations: [
        ...new Set([...(current?.integrations ?? []), state.integration]),
      ].sort() as IntegrationName[],
      // With include_granted_scopes the response lists everything granted to the client: authoritative.
      scopes: tokens.scopes,
      refreshToken: sealed,
      version: (current?.version ?? 0) + (refreshToken ? 1 : 0),
      status: "connected",
      lastError: null,
      lastErrorAt: null,
      accessToken,
      accessTokenExpiresAt: new Date(now.getTime() + tokens.expiresIn * 1000),
      keepAlive: current?.keepAlive ?? false,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      lastUsedAt: now,
      lastRefreshedAt: now,
    };
    return { write: grant };
  });
  if (!stored) return undefined;
  // One grant serves an integration: if another Google account served it before, that one lets go.
  const others = (await services.grants().listForUser(state.orgId, state.userId)).filter(
    (g) => g.grantId !== stored.grantId && g.integrations.includes(state.integration),
  );
  for (const other of others) await detachIntegration(services, other, state.integration);
  return stored;
}

/** The public callback, mounted in the auth function. */
export function oauthCallbackRoutes(services: IdentityServices, options: CallbackOptions = {}): Route[] {
  const orgPolicy = options.orgPolicy ?? defaultOrgPolicy(services);
  const states = () => services.db().collection(OAUTH_STATE_COLLECTION).withConverter(converter(OAuthState));

  /** Single use: read and delete in one transaction, so a replayed callback finds nothing. */
  async function consumeState(stateId: string): Promise<OAuthState | undefined> {
    const ref = states().doc(stateId);
    return services.db().runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const state = snap.data();
      if (state) tx.delete(ref);
      return state;
    });
  }

  const finish = (state: OAuthState, status: CallbackStatus, reason?: string): HttpResult => {
    if (!state.returnTo)
      return { body: { integration: state.integration, status, ...(reason ? { reason } : {}) } };
    const location = withParams(state.returnTo, {
      integration: state.integration,
      status,
      ...(reason ? { reason } : {}),
    });
    return { status: 302, headers: { location }, text: "" };
  };

  async function refuse(state: OAuthState, status: CallbackStatus, reason: string): Promise<HttpResult> {
    await auditConsent(services, {
      orgId: state.orgId,
      userId: state.userId,
      action: "integration.connect",
      outcome: "failure",
      integration: state.integration,
      reason,
    });
    return finish(state, status, reason);
  }

  return [
    route({
      method: "GET",
      path: OAUTH_CALLBACK_PATH,
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      summary: "Google's redirect after consent; answers with a redirect to the app's returnTo",
      query: {
        state: { description: "the single-use state issued with the consent URL", maxLength: 64 },
        code: { description: "the authorization code", maxLength: 2048 },
        error: { description: "Google's error, e.g. access_denied" },
        scope: { description: "the scopes granted", maxLength: 8192 },
      },
      success: { status: 302, description: "Redirect to returnTo?integration=..&status=.." },
      async handler(ctx) {
        const stateId = ctx.query.get("state") ?? "";
        if (!/^[A-Za-z0-9_-]{43}$/.test(stateId))
          throw new AppError("invalid_request", "The OAuth state is missing or malformed", {
            details: { reason: "oauth_state_invalid" },
          });
        const state = await consumeState(stateId);
        if (!state)
          throw new AppError(
            "invalid_request",
            "The OAuth state is unknown or was already used; start again",
            {
              details: { reason: "oauth_state_invalid" },
            },
          );
        const log = ctx.log.child({
          orgId: state.orgId,
          userId: state.userId,
          integration: state.integration,
        });
        if (state.expireAt.toMillis() <= services.deps.clock().getTime())
          return refuse(state, "expired", "oauth_state_expired");

        const error = ctx.query.get("error");
        if (error)
          return refuse(state, error === "access_denied" ? "denied" : "error", truncateText(error, 100));
        const code = ctx.query.get("code");
        if (!code) return refuse(state, "error", "missing_code");

        const verifier = await services.cipher().open(state.codeVerifier, stateBinding(state, stateId));
        let tokens: TokenSet;
        try {
          tokens = await services.oauth().exchangeCode(code, verifier);
        } catch (err) {
          log.warn("integration.code_exchange_failed", { error: err });
          return refuse(state, "error", "code_exchange_failed");
        }
        if (!tokens.idToken) return refuse(state, "error", "no_id_token");
        const identity = await services.oauth().verifyIdToken(tokens.idToken);
        const sameAccount = identity.emailVerified && identity.email === state.email;
        if (!sameAccount && !(await orgPolicy(state.orgId)).allowOtherGoogleAccount) {
          // The tokens are dropped, not revoked: revoking would also cut that account's own grant.
          return refuse(state, "wrong_account", "google_account_mismatch");
        }

        const grant = await storeGrant(services, state, tokens, identity);
        if (!grant) return refuse(state, "error", "no_refresh_token");
        const missing = missingScopes(INTEGRATIONS[state.integration], grant.scopes);
        const status: CallbackStatus = missing.length > 0 ? "partial" : "connected";
        await auditConsent(services, {
          orgId: state.orgId,
          userId: state.userId,
          action: "integration.connected",
          outcome: "success",
          integration: state.integration,
          details: {
            status,
            grantId: grant.grantId,
            googleEmail: identity.email,
            missingScopes: missing.join(" "),
          },
        });
        log.info("integration.connected", { status, grantId: grant.grantId });
        if (status === "connected" && services.deps.onIntegrationConnected) {
          // The first sync starts now; should this fail, the schedules pick the connection up later.
          await services.deps
            .onIntegrationConnected({
              orgId: state.orgId,
              userId: state.userId,
              integration: state.integration,
            })
            .catch((error) => log.warn("integration.first_sync_request_failed", { error }));
        }
        return finish(state, status);
      },
    }),
  ];
}
