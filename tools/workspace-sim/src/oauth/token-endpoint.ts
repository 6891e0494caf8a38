// POST /token: authorization_code (PKCE checked, client_secret still required), refresh_token, and
// the JWT-bearer grant for service accounts. Every dead refresh token answers invalid_grant.
import { createHash } from "node:crypto";
import type { ApiContext, ApiResult } from "../api";
import { OAuthError } from "../errors";
import { parseForm } from "../http-io";
import { IDENTITY_SCOPES, parseScopes, SCOPES } from "../scopes";
import type { OAuthClient, SimState } from "../state";
import { authenticateClient } from "./client-auth";
import { issueIdToken } from "./id-token";
import { serviceAccountToken } from "./service-account-grant";
import type { RefreshToken } from "./token-store";

const EXPIRED_OR_REVOKED = "Token has been expired or revoked.";

export async function tokenEndpoint(ctx: ApiContext): Promise<ApiResult> {
  const form = parseForm(await ctx.rawBody(), ctx.url);
  switch (form.grant_type) {
    case "authorization_code":
      return exchangeCode(ctx, form);
    case "refresh_token":
      return refresh(ctx, form);
    case "urn:ietf:params:oauth:grant-type:jwt-bearer":
      return { json: serviceAccountToken(ctx, form.assertion ?? "") };
    default:
      throw new OAuthError(400, "unsupported_grant_type", `Invalid grant_type: ${form.grant_type ?? ""}`);
  }
}

function exchangeCode(ctx: ApiContext, form: Record<string, string>): ApiResult {
  const { state } = ctx;
  const client = authenticateClient(state, ctx.req, form);
  const code = state.tokens.code(form.code ?? "");
  if (!code) throw new OAuthError(400, "invalid_grant", "Malformed auth code.");
  if (code.used || code.expiresAt <= state.now() || code.clientId !== client.clientId) {
    throw new OAuthError(400, "invalid_grant", "Bad Request");
  }
  if ((form.redirect_uri ?? "") !== code.redirectUri)
    throw new OAuthError(400, "redirect_uri_mismatch", "Bad Request");
  if (code.codeChallenge) {
    const verifier = form.code_verifier;
    if (!verifier) throw new OAuthError(400, "invalid_grant", "Missing code verifier.");
    const computed =
      code.codeChallengeMethod === "S256"
        ? createHash("sha256").update(verifier).digest("base64url")
        : verifier;
    if (computed !== code.codeChallenge) throw new OAuthError(400, "invalid_grant", "Invalid code verifier.");
  }
  code.used = true;
  const found = state.findUser(code.userId);
  if (!found) throw new OAuthError(400, "invalid_grant", "Bad Request");
  ctx.logUser = found.user.primaryEmail;
  const grant = state.tokens.grant(code.userId, client.clientId);
  const response = accessTokenResponse(
    ctx,
    client,
    code.userId,
    code.scopes,
    code.offline,
    grant.key,
    code.nonce,
  );
  if (code.issueRefreshToken) {
    const rt = state.tokens.issueRefreshToken(
      grant,
      code.scopes,
      client.testingMode,
      state.now(),
      state.settings.oauth.maxRefreshTokensPerClient,
    );
    response.refresh_token = rt.value;
    if (expiresByTestingMode(rt)) {
      response.refresh_token_expires_in =
        Math.floor(state.settings.oauth.testingRefreshTokenLifetimeMs / 1000) - 1;
    }
  }
  return { json: response };
}

function refresh(ctx: ApiContext, form: Record<string, string>): ApiResult {
  const { state } = ctx;
  const client = authenticateClient(state, ctx.req, form);
  const rt = state.tokens.refreshToken(form.refresh_token ?? "");
  if (!rt) throw new OAuthError(400, "invalid_grant", "Bad Request");
  const grant = state.tokens.grants.get(rt.grantKey);
  if (!grant || grant.clientId !== client.clientId)
    throw new OAuthError(400, "unauthorized_client", "Unauthorized");
  const found = state.findUser(grant.userId);
  if (found) ctx.logUser = found.user.primaryEmail;
  if (deathOf(state, rt) || !found || found.user.suspended || found.user.deletionTime !== undefined) {
    throw new OAuthError(400, "invalid_grant", EXPIRED_OR_REVOKED);
  }
  rt.lastUsedAt = state.now();
  const narrowed = parseScopes(form.scope);
  if (narrowed.some((s) => !rt.scopes.includes(s))) {
    throw new OAuthError(400, "invalid_scope", "Some requested scopes were invalid.");
  }
  const scopes = narrowed.length > 0 ? narrowed : rt.scopes;
  return { json: accessTokenResponse(ctx, client, grant.userId, scopes, true, grant.key, undefined) };
}

/** Why a refresh token no longer works, or undefined if it does. */
export function deathOf(state: SimState, rt: RefreshToken): string | undefined {
  if (rt.dead) return rt.dead;
  const now = state.now();
  const { testingRefreshTokenLifetimeMs, unusedRefreshTokenLifetimeMs } = state.settings.oauth;
  if (expiresByTestingMode(rt) && now >= rt.issuedAt + testingRefreshTokenLifetimeMs)
    return "testing-mode-expiry";
  if (now >= rt.lastUsedAt + unusedRefreshTokenLifetimeMs) return "unused";
  return undefined;
}

/** Testing-mode expiry spares tokens that carry only identity scopes. */
const expiresByTestingMode = (rt: RefreshToken) =>
  rt.testingMode && rt.scopes.some((s) => !IDENTITY_SCOPES.has(s));

function accessTokenResponse(
  ctx: ApiContext,
  client: OAuthClient,
  userId: string,
  scopes: string[],
  offline: boolean,
  grantKey: string,
  nonce: string | undefined,
): Record<string, unknown> {
  const { state } = ctx;
  const lifetime = state.settings.oauth.accessTokenLifetimeSec;
  const at = state.tokens.issueAccessToken({
    clientId: client.clientId,
    userId,
    scopes,
    expiresAt: state.now() + lifetime * 1000,
    grantKey,
    offline,
  });
  const response: Record<string, unknown> = {
    access_token: at.value,
    expires_in: lifetime,
    scope: scopes.join(" "),
    token_type: "Bearer",
  };
  const found = state.findUser(userId);
  if (scopes.includes(SCOPES.openid) && found) {
    response.id_token = issueIdToken({
      keys: ctx.keys,
      clientId: client.clientId,
      org: found.org,
      user: found.user,
      scopes,
      accessToken: at.value,
      nonce,
    });
  }
  return response;
}
