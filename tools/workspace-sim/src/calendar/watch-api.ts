// events.watch and channels.stop for Calendar.
import type { ApiContext, ApiResult } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import { eventTypesParam, resolveCalendar } from "./events-api";
import { calendarPush } from "./push";
import { calendarSettings } from "./settings";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Google requires an https address with a valid certificate. The simulator cannot check certificates,
 * so it accepts any https address and, for local receivers, http on loopback.
 */
function checkAddress(address: string): void {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw invalidArgument(`Invalid address: ${address}`, "invalid");
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return;
  throw new ApiError({
    code: 400,
    status: "INVALID_ARGUMENT",
    message: `WebHook callback must be HTTPS: ${address}`,
    reason: "push.webhookUrlNotHttps",
    domain: "push",
  });
}

export async function watchEvents(ctx: ApiContext): Promise<ApiResult> {
  const { state } = ctx;
  const calendarIdParam = ctx.params.calendarId!;
  const { calendar, viewer } = resolveCalendar(ctx, calendarIdParam);
  // Only changes to events of these types notify (calendar guides/calendar-status).
  const eventTypes = eventTypesParam(ctx.url.searchParams);
  const body = await ctx.jsonBody();
  const id = typeof body.id === "string" ? body.id : "";
  if (!id) throw invalidArgument("Missing channel id.", "required");
  if (id.length > 64 || !/^[A-Za-z0-9\-_+/=]+$/.test(id))
    throw invalidArgument(`Invalid channel id: ${id}`, "invalid");
  if (body.type !== "web_hook" && body.type !== "webhook")
    throw invalidArgument(`Invalid channel type: ${String(body.type)}`, "invalid");
  const address = typeof body.address === "string" ? body.address : "";
  checkAddress(address);
  if (body.token !== undefined && (typeof body.token !== "string" || body.token.length > 256)) {
    throw invalidArgument("Channel token too long (max 256 characters).", "invalid");
  }
  const clientId = ctx.caller?.token.clientId ?? "";
  const hub = calendarPush(state);
  const existing = hub.get(clientId, id);
  if (existing && existing.expiration > state.now()) {
    throw new ApiError({
      code: 400,
      status: "INVALID_ARGUMENT",
      message: `Channel id ${id} not unique`,
      reason: "channelIdNotUnique",
    });
  }
  const settings = calendarSettings(state);
  const now = state.now();
  const params = (body.params ?? {}) as Record<string, unknown>;
  let lifetime = settings.channelDefaultTtlMs;
  if (params.ttl !== undefined) {
    const ttl = Number(params.ttl);
    if (!Number.isFinite(ttl) || ttl <= 0)
      throw invalidArgument(`Invalid ttl: ${String(params.ttl)}`, "invalid");
    lifetime = ttl * 1000;
  }
  let expiration = now + Math.min(lifetime, settings.channelMaxLifetimeMs);
  if (body.expiration !== undefined && body.expiration !== null) {
    const requested = Number(body.expiration);
    if (!Number.isFinite(requested)) throw invalidArgument("Invalid expiration.", "invalid");
    expiration = Math.min(expiration, requested); // the stricter of the request and Google's limit
  }
  const resourceUri = `${ctx.baseUrl}/calendar/v3/calendars/${encodeURIComponent(calendarIdParam)}/events?alt=json`;
  const channel = {
    id,
    resourceId: calendar.resourceId,
    resourceUri,
    ...(typeof body.token === "string" ? { token: body.token } : {}),
    address,
    expiration,
    calendarId: calendar.id,
    calendar,
    clientId,
    creatorEmail: viewer.email,
    createdByServiceAccount: ctx.caller?.token.serviceAccount !== undefined,
    createdAt: now,
    ...(eventTypes ? { eventTypes } : {}),
  };
  hub.open(channel);
  return {
    json: {
      kind: "api#channel",
      id,
      resourceId: channel.resourceId,
      resourceUri,
      ...(channel.token !== undefined ? { token: channel.token } : {}),
      expiration: String(expiration),
    },
  };
}

/** Only the creating user on the same OAuth client may stop a channel (any user of the client for a service account's). */
export async function stopChannel(ctx: ApiContext): Promise<ApiResult> {
  const body = await ctx.jsonBody();
  const id = String(body.id ?? "");
  const clientId = ctx.caller?.token.clientId ?? "";
  const hub = calendarPush(ctx.state);
  const channel = hub.get(clientId, id);
  const allowed =
    channel !== undefined &&
    channel.resourceId === body.resourceId &&
    (channel.createdByServiceAccount || channel.creatorEmail === ctx.caller?.user?.primaryEmail);
  if (!channel || !allowed) throw notFound(`Channel '${id}' not found for project '000000000000'`);
  hub.stop(channel);
  return { empty: 204 };
}
