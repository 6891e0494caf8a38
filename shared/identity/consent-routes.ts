// Incremental Google consent, one integration at a time:
//   GET    /v1/integrations                 what is connected, partial (with the missing scopes) or broken
//   POST   /v1/integrations/:name/connect   Google's authorization URL (offline, include_granted_scopes, PKCE)
//   GET    /oauth/google/callback           Google's redirect back: checks, stores the grant, returns to the app
//   DELETE /v1/integrations/:name           stops the integration; revokes at Google when nothing else needs it
import { createHash, randomBytes } from "node:crypto";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { publishAuditEvent } from "../audit/publish-audit-event";
import { AppError } from "../platform/errors";
import { converter, expireAfter } from "../platform/firestore";
import { type HttpResult, type Principal, principalOf, type Route, route } from "../platform/http";
import type { TokenSet } from "./google-oauth";
import { type Grant, grantIdFor, keyOf } from "./grant-repository";
import {
  type IdentityDeps,
  type IdentityServices,
  identityServices,
  OAUTH_CALLBACK_PATH,
} from "./identity-services";
import type { IntegrationTeardown } from "./integration-teardown";
import {
  consentScopes,
  INTEGRATION_NAMES,
  INTEGRATIONS,
  type Integration,
  IntegrationName,
  integrationOf,
  missingScopes,
} from "./integrations";
import { checkReturnUrl, withParams } from "./return-urls";
import { SealedToken } from "./token-cipher";

export const OAUTH_STATE_COLLECTION = "oauthStates";
/** Long enough to read a consent screen, short enough that a leaked URL soon stops working. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

const OAuthState = z.object({
  orgId: z.string(),
  userId: z.string(),
  email: z.string(),
  integration: IntegrationName,
  returnTo: z.string().nullable(),
  /** The PKCE verifier, sealed like a token: the state document alone cannot finish the flow. */
  codeVerifier: SealedToken,
  createdAt: z.instanceof(Timestamp),
  expireAt: z.instanceof(Timestamp),
});
type OAuthState = z.infer<typeof OAuthState>;

/** Where the callback lands the browser: `?integration=..&status=..`. */
export type CallbackStatus = "connected" | "partial" | "denied" | "wrong_account" | "expired" | "error";

export interface IntegrationView {
  name: IntegrationName;
  purpose: string;
  scopes: readonly string[];
  status: "not_connected" | "connected" | "partial" | "needs_reauth";
  missingScopes?: string[];
  googleEmail?: string;
  lastError: string | null;
  lastErrorAt: string | null;
  /** The capability's sync status (contacts: state, last sync time, last error). */
  sync?: unknown;
}

const ConnectBody = z.object({ returnTo: z.string().max(2000).optional() }).strict();

/** May the user connect a Google account other than the one they signed in with? An org setting. */
export type OrgPolicy = (orgId: string) => Promise<{ allowOtherGoogleAccount: boolean }>;

export interface ConsentDeps extends IdentityDeps {
  orgPolicy?: OrgPolicy;
}

const sha256url = (text: string) => createHash("sha256").update(text).digest("base64url");
const stateBinding = (state: OAuthState | { orgId: string; userId: string }, stateId: string) => ({
  orgId: state.orgId,
  userId: state.userId,
  grantId: `state:${sha256url(stateId)}`,
  field: "pkce_verifier" as const,
});

function integrationFor(name: string | undefined, principal: Principal): Integration {
  const integration = integrationOf(name ?? "");
  if (!integration)
    throw new AppError("not_found", `No integration named ${name}`, {
      details: { known: INTEGRATION_NAMES },
    });
  if (integration.adminOnly && principal.role !== "admin")
    throw new AppError("forbidden", `The ${integration.name} integration needs an organisation admin`);
  return integration;
}

function viewOf(integration: Integration, grant: Grant | undefined): IntegrationView {
  const base = { name: integration.name, purpose: integration.purpose, scopes: integration.scopes };
  const errors = {
    lastError: grant?.lastError ?? null,
    lastErrorAt: grant?.lastErrorAt?.toISOString() ?? null,
  };
  if (!grant || grant.status === "revoked") return { ...base, status: "not_connected", ...errors };
  const account = { googleEmail: grant.googleEmail };
  if (grant.status === "needs_reauth") return { ...base, status: "needs_reauth", ...account, ...errors };
  const missing = missingScopes(integration, grant.scopes);
  return missing.length > 0
    ? { ...base, status: "partial", missingScopes: missing, ...account, ...errors }
    : { ...base, status: "connected", ...account, ...errors };
}

/** Only to the app's own origins (return-urls.ts); without one, to DEFAULT_RETURN_URL, else a JSON answer. */
function checkedReturnTo(returnTo: string | undefined, services: IdentityServices): string | null {
  const { ALLOWED_RETURN_ORIGINS, DEFAULT_RETURN_URL } = services.deps.config;
  if (returnTo === undefined) return DEFAULT_RETURN_URL ?? null;
  return checkReturnUrl(returnTo, ALLOWED_RETURN_ORIGINS);
}

async function audit(
  services: IdentityServices,
  input: {
    orgId: string;
    userId: string;
    action: string;
    outcome: "success" | "failure";
    integration: IntegrationName;
    reason?: string;
    details?: Record<string, string | number | boolean | null>;
  },
) {
  await publishAuditEvent(services.deps.publisher, {
    orgId: input.orgId,
    action: input.action,
    outcome: input.outcome,
    actor: { type: "user", id: input.userId },
    target: { type: "integration", id: `${input.userId}/${input.integration}` },
    ...(input.reason ? { reason: input.reason } : {}),
    details: { integration: input.integration, ...input.details },
    occurredAt: services.deps.clock().toISOString(),
  });
}

/**
 * Drops an integration from a grant. The last integration out revokes the grant at Google (revocation
 * removes all of the client's scopes, so a grant other integrations still use is kept) and deletes it.
 */
async function detach(
  services: IdentityServices,
  grant: Grant,
  integration: IntegrationName,
): Promise<boolean> {
  const remaining = grant.integrations.filter((n) => n !== integration);
  if (remaining.length === 0) {
    try {
      const refreshToken = await services
        .cipher()
        .open(grant.refreshToken, { ...keyOf(grant), field: "refresh_token" });
      await services.oauth().revoke(refreshToken);
    } catch (error) {
      // A token we cannot open cannot be revoked either; deleting it still leaves nothing usable here.
      if (!(error instanceof AppError && error.code === "internal")) throw error;
      services.log().error("grant.revoke_skipped_unreadable_token", { grantId: grant.grantId });
    }
  }
  const now = services.deps.clock();
  await services.grants().mutate(keyOf(grant), (current) => {
    if (!current) return undefined;
    const left = current.integrations.filter((n) => n !== integration);
    if (left.length === 0) return { delete: true };
    return { write: { ...current, integrations: left, updatedAt: now } };
  });
  return remaining.length === 0;
}

function defaultOrgPolicy(services: IdentityServices): OrgPolicy {
  return async (orgId) => {
    const snap = await services.db().doc(`orgs/${orgId}`).get();
    return { allowOtherGoogleAccount: snap.get("settings.allowOtherGoogleAccount") === true };
  };
}

/** What other capabilities add to their integration: a sync status in GET /v1/integrations, and teardowns. */
export interface IntegrationExtensions {
  /** e.g. contacts → { state, lastSyncAt, lastError }: shown as `sync` on that integration's view. */
  syncStatus?: Partial<
    Record<IntegrationName, (user: { orgId: string; userId: string }) => Promise<unknown>>
  >;
  /** Registered into the teardown registry on first use (disconnect runs them). */
  teardowns?: IntegrationTeardown[];
}

/** The /v1 routes, mounted in the api function. */
export function consentRoutes(deps: ConsentDeps, extensions: IntegrationExtensions = {}): Route[] {
  const services = identityServices(deps);
  let registered = false;
  const teardowns = () => {
    const registry = services.teardowns();
    if (!registered) for (const t of extensions.teardowns ?? []) registry.register(t);
    registered = true;
    return registry;
  };
  return [
    route({
      method: "GET",
      path: "/v1/integrations",
      access: "user",
      summary:
        "The caller's Google integrations: not_connected, connected, partial (with missing scopes) or needs_reauth",
      success: { status: 200, description: "{ integrations: IntegrationView[] }" },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const grants = await services.grants().listForUser(principal.orgId, principal.userId);
        const integrations = INTEGRATION_NAMES.map((n) => INTEGRATIONS[n])
          .filter((i) => !i.adminOnly || principal.role === "admin")
          .map((i) =>
            viewOf(
              i,
              grants.find((g) => g.integrations.includes(i.name)),
            ),
          );
        for (const view of integrations) {
          const status = extensions.syncStatus?.[view.name];
          if (status && view.status !== "not_connected") view.sync = await status(principal);
        }
        return { body: { integrations } };
      },
    }),
    route({
      method: "POST",
      path: "/v1/integrations/:name/connect",
      access: "user",
      summary: "Starts Google consent for one integration; returns the authorization URL to open",
      success: { status: 200, description: "{ authorizationUrl, expiresAt }" },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const integration = integrationFor(ctx.params.name, principal);
        // The body is optional, so it is validated here rather than by the route's schema.
        const body = ConnectBody.safeParse(ctx.body ?? {});
        if (!body.success)
          throw new AppError("validation_failed", "The body may only carry returnTo (a string)");
        const returnTo = checkedReturnTo(body.data.returnTo, services);
        const oauth = services.oauth();

        const stateId = randomBytes(32).toString("base64url");
        const verifier = randomBytes(48).toString("base64url");
        const now = deps.clock();
        const state: OAuthState = {
          orgId: principal.orgId,
          userId: principal.userId,
          email: principal.email.toLowerCase(),
          integration: integration.name,
          returnTo,
          codeVerifier: await services.cipher().seal(verifier, stateBinding(principal, stateId)),
          createdAt: Timestamp.fromDate(now),
          expireAt: Timestamp.fromDate(expireAfter(OAUTH_STATE_TTL_MS, now)),
        };
        await services
          .db()
          .collection(OAUTH_STATE_COLLECTION)
          .withConverter(converter(OAuthState))
          .doc(stateId)
          .create(state);

        // Google sends a refresh token only on first consent. Without a working grant of ours (none yet,
        // or its token died), force the consent screen so that we get one.
        const grants = await services.grants().listForUser(principal.orgId, principal.userId);
        const forceConsent = !grants.some((g) => g.status === "connected");
        const authorizationUrl = oauth.authorizationUrl({
          scopes: consentScopes(integration),
          state: stateId,
          codeChallenge: sha256url(verifier),
          loginHint: principal.email,
          forceConsent,
        });
        ctx.log.info("integration.connect_started", { integration: integration.name, forceConsent });
        return { body: { authorizationUrl, expiresAt: state.expireAt.toDate().toISOString() } };
      },
    }),
    route({
      method: "DELETE",
      path: "/v1/integrations/:name",
      access: "user",
      summary:
        "Disconnects one integration: stops its background work; revokes at Google when no other needs the grant",
      success: { status: 200, description: "{ integration, status: not_connected, revokedAtGoogle }" },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const integration = integrationFor(ctx.params.name, principal);
        const grant = await services
          .grants()
          .findForIntegration(principal.orgId, principal.userId, integration.name);
        // Background work first: stopping a watch channel still needs the token revocation would kill.
        const stopped = await teardowns().run({ ...principal, integration: integration.name });
        const revokedAtGoogle = grant ? await detach(services, grant, integration.name) : false;
        await audit(services, {
          orgId: principal.orgId,
          userId: principal.userId,
          action: "integration.disconnected",
          outcome: "success",
          integration: integration.name,
          details: { revokedAtGoogle, wasConnected: grant !== undefined, stopped: stopped.join(", ") },
        });
        return { body: { integration: integration.name, status: "not_connected", revokedAtGoogle } };
      },
    }),
  ];
}

/** The public callback, mounted in the auth function. */
export function oauthCallbackRoutes(deps: ConsentDeps): Route[] {
  const services = identityServices(deps);
  const orgPolicy = deps.orgPolicy ?? defaultOrgPolicy(services);
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
    await audit(services, {
      orgId: state.orgId,
      userId: state.userId,
      action: "integration.connect",
      outcome: "failure",
      integration: state.integration,
      reason,
    });
    return finish(state, status, reason);
  }

  async function storeGrant(state: OAuthState, tokens: TokenSet, identity: { sub: string; email: string }) {
    const oauth = services.oauth();
    const cipher = services.cipher();
    const now = deps.clock();
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
    for (const other of others) await detach(services, other, state.integration);
    return stored;
  }

  return [
    route({
      method: "GET",
      path: OAUTH_CALLBACK_PATH,
      access: "public",
      summary: "Google's redirect after consent; answers with a redirect to the app's returnTo",
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
        if (state.expireAt.toMillis() <= deps.clock().getTime())
          return refuse(state, "expired", "oauth_state_expired");

        const error = ctx.query.get("error");
        if (error) return refuse(state, error === "access_denied" ? "denied" : "error", error.slice(0, 100));
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

        const grant = await storeGrant(state, tokens, identity);
        if (!grant) return refuse(state, "error", "no_refresh_token");
        const missing = missingScopes(INTEGRATIONS[state.integration], grant.scopes);
        const status: CallbackStatus = missing.length > 0 ? "partial" : "connected";
        await audit(services, {
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
        return finish(state, status);
      },
    }),
  ];
}
