// POST /token: authorization_code (PKCE checked, client_secret still required), refresh_token, and
// the JWT-bearer grant for service accounts. Every dead refresh token answers invalid_grant.
import { createHash } from "node:crypto";
import type { ApiContext, ApiResult } from "../api";
import type { DirectoryUser } from "../directory/directory-store";
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
  const refusal = invalidGrantMessage(state, rt, found?.user);
  if (refusal) throw new OAuthError(400, "invalid_grant", refusal);
  rt.lastUsedAt = state.now();
  const narrowed = parseScopes(form.scope);
  if (narrowed.some((s) => !rt.scopes.includes(s))) {
    throw new OAuthError(400, "invalid_scope", "Some requested scopes were invalid.");
  }
  const scopes = narrowed.length > 0 ? narrowed : rt.scopes;
  return { json: accessTokenResponse(ctx, client, grant.userId, scopes, true, grant.key, undefined) };
}

/**
 * The invalid_grant message for a refresh token that no longer works, or undefined if it works. Google
 * words it several ways (README "Token failures"): "Token has been expired or revoked." for a token it
 * still remembers, plain "Bad Request" once it has forgotten it, about 12 hours later
 * (AlphaTiles/AlphaTiles#107), "The account has been deleted" for a recently deleted account
 * (GAM-team/GAM#1171).
 */
function invalidGrantMessage(
  state: SimState,
  rt: RefreshToken,
  user: Pick<DirectoryUser, "suspended" | "deletionTime"> | undefined,
): string | undefined {
  if (!user) return "Bad Request";
  if (user.deletionTime !== undefined) return "The account has been deleted";
  const death = deathOf(state, rt);
  if (death) {
    const forgotten = state.now() >= death.at + state.settings.oauth.deadTokenMemoryMs;
    return forgotten ? "Bad Request" : EXPIRED_OR_REVOKED;
  }
  return user.suspended ? EXPIRED_OR_REVOKED : undefined;
}

/** Why and since when a refresh token no longer works, or undefined if it does. */
export function deathOf(state: SimState, rt: RefreshToken): { reason: string; at: number } | undefined {
  const now = state.now();
  const { testingRefreshTokenLifetimeMs, unusedRefreshTokenLifetimeMs, revocationLagMs } =
    state.settings.oauth;
  if (rt.dead) {
    const at = rt.diedAt ?? now;
    // A revocation takes a while to reach every token.
    if (rt.dead === "revoked" && now < at + revocationLagMs) return undefined;
    return { reason: rt.dead, at };
  }
  const testingExpiry = rt.issuedAt + testingRefreshTokenLifetimeMs;
  if (expiresByTestingMode(rt) && now >= testingExpiry)
    return { reason: "testing-mode-expiry", at: testingExpiry };
  const unusedExpiry = rt.lastUsedAt + unusedRefreshTokenLifetimeMs;
  if (now >= unusedExpiry) return { reason: "unused", at: unusedExpiry };
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
    const plan = state.idTokenTampering.get(found.user.primaryEmail);
    if (plan && --plan.times <= 0) state.idTokenTampering.delete(found.user.primaryEmail);
    response.id_token = issueIdToken({
      tamper: plan?.tamper,
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
