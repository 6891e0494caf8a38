// users.watch and channels.stop.
import type { ApiContext, ApiResult } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import { requireAdmin, requireCustomerOrDomain } from "./access";
import type { UserEvent } from "./directory-store";
import { parseUserQuery } from "./user-query";

const EVENTS: UserEvent[] = ["add", "delete", "makeAdmin", "undelete", "update"];

export async function watchUsers(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = requireAdmin(ctx);
  requireCustomerOrDomain(ctx, org);
  const q = ctx.url.searchParams;
  const event = q.get("event") ?? undefined;
  if (event !== undefined && !EVENTS.includes(event as UserEvent))
    throw invalidArgument(`Invalid value at 'event': ${event}`, "invalid");
  const body = await ctx.jsonBody();
  const id = typeof body.id === "string" ? body.id : "";
  if (!id) throw invalidArgument("Channel id is required.", "required");
  if (body.type !== "web_hook" && body.type !== "webhook")
    throw invalidArgument(`Invalid value for type: ${String(body.type)}`, "invalid");
  const address = typeof body.address === "string" ? body.address : "";
  if (!/^https?:\/\//.test(address)) throw invalidArgument("Invalid value for address.", "invalid");
  if (ctx.state.watch.channels.has(id)) {
    throw new ApiError({
      code: 400,
      status: "INVALID_ARGUMENT",
      message: `Channel id ${id} not unique`,
      reason: "channelIdNotUnique",
    });
  }
  const { state } = ctx;
  const max = state.now() + state.settings.directory.channelMaxLifetimeMs;
  const requested = body.expiration === undefined ? max : Number(body.expiration);
  const resourceUri = new URL(`${ctx.baseUrl}/admin/directory/v1/users`);
  resourceUri.searchParams.set("alt", "json");
  for (const k of [
    "customer",
    "domain",
    "event",
    "query",
    "showDeleted",
    "orderBy",
    "viewType",
    "projection",
  ]) {
    const v = q.get(k);
    if (v !== null) resourceUri.searchParams.set(k, v);
  }
  const channel = state.watch.open({
    id,
    resourceUri: resourceUri.toString(),
    ...(typeof body.token === "string" ? { token: body.token } : {}),
    address,
    expiration: Math.min(requested, max),
    orgId: org.id,
    ...(event ? { event: event as UserEvent } : {}),
    matches: parseUserQuery(q.get("query")),
    clientId: ctx.caller?.token.clientId ?? "",
    creatorUserId: user.id,
    createdByServiceAccount: ctx.caller?.token.serviceAccount !== undefined,
  });
  return {
    json: {
      kind: "api#channel",
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(channel.token !== undefined ? { token: channel.token } : {}),
      expiration: String(channel.expiration),
    },
  };
}

/** Only the creating user on the same OAuth client may stop a channel; any user of the client for service-account channels. */
export async function stopChannel(ctx: ApiContext): Promise<ApiResult> {
  const body = await ctx.jsonBody();
  const id = String(body.id ?? "");
  const channel = ctx.state.watch.channels.get(id);
  const caller = ctx.caller;
  const allowed =
    channel !== undefined &&
    channel.resourceId === body.resourceId &&
    channel.clientId === caller?.token.clientId &&
    (channel.createdByServiceAccount || channel.creatorUserId === caller.user?.id);
  if (!channel || !allowed) throw notFound(`Channel '${id}' not found for project`);
  ctx.state.watch.stop(id);
  return { empty: 204 };
}
