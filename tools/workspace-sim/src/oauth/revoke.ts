// POST /revoke?token=… (or form body). Revoking any token of a grant revokes the whole grant.
import type { ApiContext, ApiResult } from "../api";
import { OAuthError } from "../errors";
import { parseForm } from "../http-io";

export async function revoke(ctx: ApiContext): Promise<ApiResult> {
  const form = parseForm(await ctx.rawBody(), ctx.url);
  const token = form.token ?? "";
  const owner = ownerEmail(ctx, token);
  if (owner) ctx.logUser = owner;
  if (!token || !ctx.state.tokens.revoke(token, ctx.state.now()))
    throw new OAuthError(400, "invalid_token", "Token expired or revoked");
  return { json: {} };
}

function ownerEmail(ctx: ApiContext, token: string): string | undefined {
  const { tokens } = ctx.state;
  const userId =
    tokens.accessToken(token)?.userId ??
    tokens.grants.get(tokens.refreshToken(token)?.grantKey ?? "")?.userId;
  return userId ? ctx.state.findUser(userId)?.user.primaryEmail : undefined;
}
