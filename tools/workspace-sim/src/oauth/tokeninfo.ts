// GET/POST /tokeninfo for access tokens (query, form or bearer header) and id_tokens.
import type { ApiContext, ApiResult } from "../api";
import { OAuthError } from "../errors";
import { parseForm } from "../http-io";
import { SCOPES } from "../scopes";
import { decodeJwt, verifyRs256 } from "./jwt";

export async function tokenInfo(ctx: ApiContext): Promise<ApiResult> {
  const { state } = ctx;
  const form = parseForm(await ctx.rawBody(), ctx.url);
  const invalid = new OAuthError(400, "invalid_token", "Invalid Value");
  if (form.id_token) {
    const jwt = decodeJwt(form.id_token);
    const pem = Object.values(ctx.keys.pemCerts)[0]!;
    if (!jwt || !verifyRs256(jwt, pem) || Number(jwt.payload.exp) * 1000 < Date.now()) throw invalid;
    const claims = Object.fromEntries(Object.entries(jwt.payload).map(([k, v]) => [k, String(v)]));
    return { json: { ...claims, alg: "RS256", kid: ctx.keys.kid, typ: "JWT" } };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? "")?.[1];
  const value = form.access_token ?? bearer ?? "";
  const token = state.tokens.accessToken(value);
  const now = state.now();
  if (!token || token.expiresAt <= now) throw invalid;
  const user = token.userId ? state.findUser(token.userId)?.user : undefined;
  if (user) ctx.logUser = user.primaryEmail;
  const info: Record<string, string> = {
    azp: token.clientId,
    aud: token.clientId,
    scope: token.scopes.join(" "),
    exp: String(Math.floor(token.expiresAt / 1000)),
    expires_in: String(Math.floor((token.expiresAt - now) / 1000)),
    access_type: token.offline ? "offline" : "online",
  };
  if (user) info.sub = user.id;
  if (user && token.scopes.includes(SCOPES.email)) {
    info.email = user.primaryEmail;
    info.email_verified = "true";
  }
  return { json: info };
}
