// The JWT-bearer grant: a service account signs an assertion; with `sub` it acts as that user, which
// works only if the user's organisation delegated those scopes to the account's client id.
// Assertion times are checked against wall time: the client builds them from its real clock.
import type { ApiContext } from "../api";
import { OAuthError } from "../errors";
import { parseScopes } from "../scopes";
import { decodeJwt, verifyRs256 } from "./jwt";

const ACCEPTED_AUDIENCES = [
  "https://oauth2.googleapis.com/token",
  "https://accounts.google.com/o/oauth2/token",
];

export function serviceAccountToken(ctx: ApiContext, assertion: string): Record<string, unknown> {
  const { state } = ctx;
  const jwt = decodeJwt(assertion);
  if (!jwt) throw new OAuthError(400, "invalid_grant", "Invalid JWT: Unable to parse.");
  const { payload } = jwt;
  const account = state.serviceAccounts.get(String(payload.iss ?? ""));
  if (!account) throw new OAuthError(400, "invalid_grant", "Invalid grant: account not found");
  // googleapis/google-api-ruby-client#720: a disabled service account's assertions are refused so.
  if (account.disabled) throw new OAuthError(400, "invalid_grant", "Robot is disabled.");
  if (!verifyRs256(jwt, account.publicKeyPem))
    throw new OAuthError(400, "invalid_grant", "Invalid JWT Signature.");
  const aud = String(payload.aud ?? "");
  if (!ACCEPTED_AUDIENCES.includes(aud) && aud !== `${ctx.baseUrl}/token`) {
    throw new OAuthError(400, "invalid_grant", "Invalid JWT: Failed audience check.");
  }
  const nowSec = Date.now() / 1000;
  const iat = Number(payload.iat);
  const exp = Number(payload.exp);
  if (!(exp > nowSec - 300) || !(iat < nowSec + 300) || exp - iat > 3600) {
    throw new OAuthError(
      400,
      "invalid_grant",
      "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
    );
  }
  const scopes = parseScopes(typeof payload.scope === "string" ? payload.scope : undefined);
  if (scopes.length === 0)
    throw new OAuthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  const lifetime = state.settings.oauth.accessTokenLifetimeSec;
  const sub = typeof payload.sub === "string" ? payload.sub : undefined;
  if (!sub) {
    const at = state.tokens.issueAccessToken({
      clientId: account.clientId,
      serviceAccount: account.email,
      scopes,
      expiresAt: state.now() + lifetime * 1000,
      offline: false,
    });
    return { access_token: at.value, expires_in: lifetime, token_type: "Bearer" };
  }
  const found = state.findUser(sub);
  if (!found || found.user.deletionTime !== undefined)
    throw new OAuthError(400, "invalid_grant", "Invalid email or User ID");
  ctx.logUser = found.user.primaryEmail;
  const delegated = found.org.delegations.find((d) => d.clientId === account.clientId)?.scopes ?? [];
  if (scopes.some((s) => !delegated.includes(s))) {
    throw new OAuthError(
      401,
      "unauthorized_client",
      "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
    );
  }
  if (found.user.suspended) throw new OAuthError(400, "invalid_grant", "Not a valid email or user ID.");
  const at = state.tokens.issueAccessToken({
    clientId: account.clientId,
    serviceAccount: account.email,
    userId: found.user.id,
    scopes,
    expiresAt: state.now() + lifetime * 1000,
    offline: false,
  });
  return { access_token: at.value, expires_in: lifetime, token_type: "Bearer" };
}
