// POST /webhooks/google/calendar: Google's push notifications for calendar watch channels
// (docs/google-behaviour.md#calendar-push-channels, docs/google-behaviour.md#webhooks-channel-tokens).
// No Google call and, when warm, no Firestore write (bar the ledger's one-time rewrite of a channel still
// stored in a legacy shape): the channel record is cached in-process for a minute, duplicates (channel +
// message number) are dropped in-process, and the calendar-sync worker claims each (channel, number)
// once more durably. A wrong token or resource id is a 403 that enqueues
// nothing; an unknown channel is acknowledged (nothing to do, nobody to stop it as); a stopped channel with
// a valid token is acknowledged and stopped at Google; `sync` is acknowledged; `exists` publishes one
// calendar-sync request (ordering key = user). Only an infrastructure failure (Firestore, Pub/Sub) is a
// 5xx, which Google retries.
import type { Firestore } from "@google-cloud/firestore";
import { AppError } from "../platform/errors";
import { type Route, route, WATCH_CHANNEL_HEADERS, WEBHOOK_RATE_LIMIT } from "../platform/http";
import { claim, isClaimed } from "../platform/idempotency";
import type { EventPublisher } from "../platform/pubsub";
import {
  checkNotification,
  type WatchChannel,
  type WatchChannelLedger,
} from "../platform/watch-channel-ledger";
import { CalendarSyncMessage, orderingKeyOf } from "./presence-messages";

export const CALENDAR_WEBHOOK_PATH = "/webhooks/google/calendar";

export interface CalendarWebhookDeps {
  db: () => Firestore;
  ledger: WatchChannelLedger;
  publisher: EventPublisher;
  clock?: () => Date;
}

const DEDUPE_TTL_MS = 24 * 3600_000;
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;

/** A small insertion-ordered map with a size cap: the oldest entries go first. */
function boundedMap<V>(max: number) {
  const m = new Map<string, V>();
  return {
    get: (k: string) => m.get(k),
    set(k: string, v: V) {
      m.delete(k);
      m.set(k, v);
      if (m.size > max) m.delete(m.keys().next().value as string);
    },
    delete: (k: string) => m.delete(k),
  };
}

const header = (headers: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function calendarWebhookRoutes(deps: CalendarWebhookDeps): Route[] {
  const clock = deps.clock ?? (() => new Date());
  // Live channels only (a stopped one is re-read every time); a minute's staleness after a stop only
  // means one more harmless sync.
  const channels = boundedMap<{ record: WatchChannel; at: number }>(CACHE_MAX);
  const seen = boundedMap<true>(CACHE_MAX);
  const inflight = new Map<string, Promise<void>>();
  const lookup = async (id: string) => {
    const hit = channels.get(id);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.record;
    const record = await deps.ledger.get(id);
    if (record && (record.status === "active" || record.status === "opening") && record.resourceId)
      channels.set(id, { record, at: Date.now() });
    else channels.delete(id);
    return record;
  };
  return [
    route({
      method: "POST",
      path: CALENDAR_WEBHOOK_PATH,
      access: "public", // authenticated by the per-channel token, checked below
      rateLimit: WEBHOOK_RATE_LIMIT,
      headers: WATCH_CHANNEL_HEADERS,
      summary: "Google Calendar push notification (watch channel); verified by channel token and resource id",
      success: { status: 200, description: "Acknowledged (empty body)" },
      async handler(ctx) {
        const h = ctx.headers as Record<string, string | string[] | undefined>;
        const channelId = header(h, "x-goog-channel-id");
        const resourceId = header(h, "x-goog-resource-id");
        const state = header(h, "x-goog-resource-state");
        const messageNumber = header(h, "x-goog-message-number");
        if (!channelId || !resourceId || !state) {
          throw new AppError("invalid_request", "Not a Google push notification (channel headers missing)");
        }
        const record = await lookup(channelId);
        if (!record) {
          ctx.log.warn("calendar.webhook_unknown_channel", { channelId });
          return { status: 200 };
        }
        const log = ctx.log.child({ channelId, orgId: record.orgId, userId: record.userId });
        const check = checkNotification(record, "calendar", {
          token: header(h, "x-goog-channel-token"),
          resourceId,
        });
        if (!check.ok) {
          const { tokenOk, kindOk, resourceOk } = check;
          log.warn("calendar.webhook_refused", { tokenOk, kindOk, resourceOk, state });
          throw new AppError("forbidden", "Notification does not match its channel");
        }
        const { channel } = check;
        const user = { orgId: channel.orgId, userId: channel.userId };
        if (channel.status === "stopped" || channel.status === "expired") {
          // Unwanted (disconnected, replaced, lapsed): stop it at Google, once. Recorded only after the
          // request is published, so a crash in between leaves it to Google's next notification.
          const stopKey = `calendar-stop/${channelId}`;
          if (resourceId && !(await isClaimed(deps.db(), stopKey))) {
            await deps.publisher.publish(
              CalendarSyncMessage,
              {
                ...user,
                action: "stop-channel",
                reason: "unwanted-channel",
                channelId,
                requestedAt: clock().toISOString(),
              },
              { orderingKey: orderingKeyOf(user) },
            );
            await claim(deps.db(), stopKey, DEDUPE_TTL_MS);
          }
          log.info("calendar.webhook_unwanted_channel", { status: channel.status });
          return { status: 200 };
        }
        if (state === "sync") return { status: 200 };
        const key = `${channelId}/${messageNumber ?? "none"}`;
        if (seen.get(key)) {
          log.info("calendar.webhook_duplicate", { messageNumber });
          return { status: 200 };
        }
        // Coalescing: while a request for this user is being published, its sync has not started yet (it
        // is delivered after the publish completes), so it will see this change too; join it.
        const userKey = orderingKeyOf(user);
        let pending = inflight.get(userKey);
        if (!pending) {
          pending = deps.publisher
            .publish(
              CalendarSyncMessage,
              {
                ...user,
                action: "sync",
                reason: "notification",
                channelId,
                ...(messageNumber ? { messageNumber: messageNumber.slice(0, 32) } : {}),
                requestedAt: clock().toISOString(),
              },
              { orderingKey: userKey },
            )
            .then(() => undefined)
            .finally(() => inflight.delete(userKey));
          inflight.set(userKey, pending);
        }
        try {
          await pending;
        } catch (error) {
          throw new AppError("upstream_unavailable", "Could not enqueue the sync", { cause: error });
        }
        seen.set(key, true);
        return { status: 200 };
      },
    }),
  ];
}
