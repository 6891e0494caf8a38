// The event workers: calendar-sync (one user's sync, connect, or stopping an unwanted channel),
// presence-sweep (every minute: recompute users whose transition is due; poll users on the polling
// fallback) and channel-renewal (hourly: renew channels expiring within a day, reconcile users whose last
// sync is old, retry push for users on polling). Ticks run to completion once per schedule slot, however
// often delivered: a slot is done only after its work, so a crashed tick's redelivery does it again.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { pubSubHandler } from "../platform/cloudevent";
import { parseDocuments, StoredDate } from "../platform/firestore";
import { claim, isClaimed, runSlotOnce } from "../platform/idempotency";
import type { Logger } from "../platform/logger";
import type { MessageType } from "../platform/messages";
import { relayOutbox } from "../platform/outbox";
import { RENEW_WITHIN_MS } from "./calendar-sync";
import {
  CalendarSyncMessage,
  type CalendarSyncRequest,
  ChannelRenewalTick,
  PresenceChangedMessage,
  PresenceSweepTick,
} from "./presence-messages";
import type { PresenceServices } from "./presence-services";

/** Users on the polling fallback are synced when their last sync is older than this. */
export const POLL_EVERY_MS = 60_000;
/** Reconciliation: any user not synced for this long is synced (catches dropped notifications); the
 * default of config CALENDAR_RECONCILE_MINUTES. */
export const RECONCILE_AFTER_MS = 60 * 60_000;
/** The sweep relays outbox entries older than this (younger ones are still being relayed by their change). */
export const OUTBOX_RELAY_AFTER_MS = 30_000;
/** A channel "opening" for longer than this never will be active (a watch call takes seconds). */
export const STALE_OPENING_AFTER_MS = 15 * 60_000;
/** Users on polling try push again after this long. */
export const RETRY_PUSH_AFTER_MS = 60 * 60_000;

/** What the connect sweep reads of a grant (orgs/{org}/users/{user}/grants/{grant}, identity's). */
const CalendarGrant = z.object({
  status: z.string(),
  orgId: z.string(),
  userId: z.string(),
  updatedAt: StoredDate.optional(),
});

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<number> {
  let failed = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) {
        const item = items[i++] as T;
        await fn(item).catch(() => {
          failed++;
        });
      }
    }),
  );
  return failed;
}

export async function handleCalendarSync(services: PresenceServices, req: CalendarSyncRequest, log: Logger) {
  const user = { orgId: req.orgId, userId: req.userId };
  const sync = services.sync();
  if (req.action === "connect") {
    await sync.connect(user);
    log.info("calendar.connected", { ...user });
    return;
  }
  if (req.action === "stop-channel") {
    const channel = req.channelId ? await services.ledger().get(req.channelId) : undefined;
    if (
      channel &&
      channel.kind === "calendar" &&
      channel.orgId === req.orgId &&
      channel.userId === req.userId
    ) {
      await sync.stopChannel(channel);
      log.info("calendar.unwanted_channel_stopped", { ...user, channelId: channel.id });
    }
    return;
  }
  // One sync per (channel, message number), across webhook instances and redeliveries: skipped when a
  // sync for it already succeeded; claimed only after success, so a failed sync is retried.
  const notificationKey =
    req.reason === "notification" && req.channelId && req.messageNumber
      ? `calendar-notification/${req.channelId}/${req.messageNumber}`
      : undefined;
  if (notificationKey && (await isClaimed(services.db(), notificationKey))) {
    log.info("calendar.notification_duplicate", {
      ...user,
      channelId: req.channelId,
      messageNumber: req.messageNumber,
    });
    return;
  }
  const report = await sync.syncUser(user);
  if (notificationKey) await claim(services.db(), notificationKey);
  log.info("calendar.synced", { ...user, reason: req.reason, ...report });
}

/**
 * Users who connected Calendar (a connected grant serving it) but have no calendar sync state yet get a
 * `connect` request: full sync + watch channels. `since` limits it to grants changed recently (the
 * minute sweep); without it, every calendar grant is checked (the hourly catch-all).
 */
export async function connectNewCalendarUsers(
  services: PresenceServices,
  since: Date | undefined,
  limit = 500,
) {
  let q = services.db().collectionGroup("grants").where("integrations", "array-contains", "calendar");
  if (since) q = q.where("updatedAt", ">=", since);
  const grants = await q.limit(limit).get();
  let requested = 0;
  const calendarGrants = parseDocuments(CalendarGrant, grants.docs, services.log());
  await mapLimit(calendarGrants, 16, async ({ path, data: g }) => {
    if (g.status !== "connected") return;
    const user = { orgId: g.orgId, userId: g.userId };
    if (await services.store().state(user.orgId, user.userId)) return;
    const updatedAt = g.updatedAt?.getTime() ?? 0;
    // Recorded done only once the request is published: a sweep that crashes before publishing leaves it
    // to the next sweep instead of marking it handled.
    const run = await runSlotOnce(
      services.db(),
      `calendar-connect/${path}/${updatedAt}`,
      { leaseMs: services.deps.tickLeaseMs ?? 60_000, owner: randomUUID(), ttlMs: 24 * 3600_000 },
      () => services.sync().requestSync(user, "connect", "connect"),
    );
    if (run.done) requested++;
  });
  return requested;
}

/**
 * `alsoRelay`: other capabilities' outbox topics (audit, provisioning) this minute-by-minute tick relays
 * too, handed in by the composition root.
 */
export async function sweepPresence(
  services: PresenceServices,
  publishTime: Date,
  log: Logger,
  limit = 500,
  alsoRelay: Array<MessageType<z.ZodType>> = [],
) {
  // No claim: a duplicate tick recomputes again, which is harmless (recompute is idempotent).
  void publishTime;
  const now = services.deps.clock();
  const due = await services.presence().due(now, limit);
  const failedRecompute = await mapLimit(due, 16, async (u) => {
    await services.presence().recompute(u.orgId, u.userId);
  });
  const polling = (await services.store().pollingStates(limit)).filter(
    (s) => !s.lastSyncAt || now.getTime() - s.lastSyncAt.getTime() >= POLL_EVERY_MS - 5_000,
  );
  await mapLimit(polling, 16, (s) => services.sync().requestSync(s, "sync", "polling"));
  const connected = await connectNewCalendarUsers(services, new Date(now.getTime() - 3 * 60_000), limit);
  // Outbox events whose relay after commit failed (or whose process died before it).
  const outbox = await relayOutbox(
    services.db(),
    services.deps.publisher,
    [PresenceChangedMessage, ...alsoRelay],
    new Date(now.getTime() - OUTBOX_RELAY_AFTER_MS),
    log,
    limit,
  );
  const report = {
    outboxRelayed: outbox.relayed,
    duplicate: false,
    recomputed: due.length - failedRecompute,
    failed: failedRecompute,
    polled: polling.length,
    connected,
  };
  log.info("presence.swept", report);
  return report;
}

export async function renewChannels(services: PresenceServices, publishTime: Date, log: Logger, limit = 500) {
  const slot = Math.floor(publishTime.getTime() / 3600_000);
  const run = await runSlotOnce(
    services.db(),
    `channel-renewal/${slot}`,
    { leaseMs: services.deps.tickLeaseMs ?? 60_000, owner: randomUUID(), ttlMs: 2 * 3600_000 },
    async () => {
      const now = services.deps.clock();
      const expiring = (
        await services.ledger().expiringBefore("calendar", new Date(now.getTime() + RENEW_WITHIN_MS), limit)
      ).filter((c) => !c.replacedBy);
      let renewed = 0;
      let polling = 0;
      await mapLimit(expiring, 8, async (c) => {
        if ((await services.sync().renew(c)) === "renewed") renewed++;
        else polling++;
      });
      // A channel still "opening" long after its watch call lapsed never became active: expire it (should
      // Google hold it after all, its next notification finds it expired and stops it at Google).
      const stuck = await services
        .ledger()
        .staleOpening("calendar", new Date(now.getTime() - STALE_OPENING_AFTER_MS), limit);
      for (const c of stuck) await services.ledger().markExpired(c.id, now);
      const stale = await services
        .store()
        .staleStates(new Date(now.getTime() - (services.deps.reconcileAfterMs ?? RECONCILE_AFTER_MS)), limit);
      await mapLimit(stale, 16, (s) => services.sync().requestSync(s, "sync", "reconcile"));
      const retryPush = (await services.store().pollingStates(limit)).filter(
        (s) => !s.modeSince || now.getTime() - s.modeSince.getTime() >= RETRY_PUSH_AFTER_MS,
      );
      await mapLimit(retryPush, 8, (s) => services.sync().requestSync(s, "connect", "renewal"));
      return {
        duplicate: false,
        expiring: expiring.length,
        renewed,
        polling,
        reconciled: stale.length,
        staleOpening: stuck.length,
        retryPush: retryPush.length,
        connected: await connectNewCalendarUsers(services, undefined, limit),
      };
    },
  );
  if (!run.done) return { duplicate: true };
  log.info("channels.renewal", run.result);
  return run.result;
}

export function createCalendarSyncHandler(services: () => PresenceServices) {
  return pubSubHandler(CalendarSyncMessage, (m, log) => handleCalendarSync(services(), m.payload, log));
}

export function createPresenceSweepHandler(
  services: () => PresenceServices,
  alsoRelay: Array<MessageType<z.ZodType>> = [],
) {
  return pubSubHandler(PresenceSweepTick, async (m, log) => {
    await sweepPresence(services(), new Date(m.publishTime ?? Date.now()), log, 500, alsoRelay);
  });
}

export function createChannelRenewalHandler(services: () => PresenceServices) {
  return pubSubHandler(ChannelRenewalTick, async (m, log) => {
    await renewChannels(services(), new Date(m.publishTime ?? Date.now()), log);
  });
}
