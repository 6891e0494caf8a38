// Calendar sync use case: incremental events.list with the stored sync token per calendar; a 410 (or a
// window older than a day) runs a full sync over the window that replaces what is stored, deleting what
// vanished (docs/product.md#self-healing-cursors). Then presence is recomputed. Also: connect (full sync
// + watch channels), channel renewal (new channel before stopping the old), polling fallback, and teardown.
//
// Storage decision: events are expanded (singleEvents=true) over a window of −1 day .. +14 days. Presence
// needs instances, not rules; expanding here keeps the engine pure and exact across DST (Google expands
// in the series' zone), and 15 days of instances is small. The window slides with a daily full sync.
import type { Firestore } from "@google-cloud/firestore";
import type { CalendarApi } from "../google/calendar-api";
import { SyncTokenExpiredError } from "../google/calendar-api";
import { AppError, isAppError } from "../platform/errors";
import { WORKER_LEASE_MS, withLease } from "../platform/lease";
import type { Logger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import { truncateText } from "../platform/text";
import {
  type CalendarChannel,
  newChannelId,
  newChannelToken,
  type WatchChannelLedger,
} from "../platform/watch-channel-ledger";
import {
  type CalendarCursor,
  type CalendarStore,
  type CalendarSyncState,
  newSyncState,
  syncStatePath,
} from "./calendar-store";
import { type CalendarEntry, filterEvent } from "./event-filter";
import { CalendarSyncMessage, orderingKeyOf } from "./presence-messages";
import type { PresenceRepository } from "./presence-repository";

export const WINDOW_PAST_MS = 24 * 3600_000;
export const WINDOW_FUTURE_MS = 14 * 24 * 3600_000;
/** A full sync at least this often, so the window's far edge keeps up with time. */
export const FULL_SYNC_EVERY_MS = 24 * 3600_000;
/** We ask Google for 7 days (its default); renewal starts a day before expiry. */
export const CHANNEL_TTL_SECONDS = 7 * 24 * 3600;
export const RENEW_WITHIN_MS = 24 * 3600_000;

export interface UserRef {
  orgId: string;
  userId: string;
}

export interface CalendarSyncDeps {
  db: Firestore;
  store: CalendarStore;
  ledger: WatchChannelLedger;
  presence: PresenceRepository;
  publisher: EventPublisher;
  /** The user's Calendar API (their own token from the vault). */
  calendarFor(user: UserRef): CalendarApi;
  clock: () => Date;
  log: Logger;
  /** Where Google delivers notifications: <webhooks base>/webhooks/google/calendar. */
  webhookAddress: () => string;
  instanceId: string;
}

export interface CalendarSyncReport {
  calendars: Array<{
    calendarId: string;
    mode: "full" | "incremental";
    upserts: number;
    removals: number;
    recovered410: boolean;
  }>;
  presenceChanged: boolean;
}

const isReauth = (error: unknown) =>
  isAppError(error) &&
  (error.details?.reason === "needs_reauth" || error.details?.reason === "not_connected");

export function calendarSync(deps: CalendarSyncDeps) {
  const { store, ledger, log } = deps;

  async function fullSync(api: CalendarApi, user: UserRef, calendarId: string, now: Date) {
    const windowStart = new Date(now.getTime() - WINDOW_PAST_MS);
    const windowEnd = new Date(now.getTime() + WINDOW_FUTURE_MS);
    const entries: CalendarEntry[] = [];
    let pageToken: string | undefined;
    let syncToken: string | undefined;
    let timeZone: string | undefined;
    do {
      const page = await api.listEvents(calendarId, {
        mode: "full",
        timeMin: windowStart,
        timeMax: windowEnd,
        ...(pageToken ? { pageToken } : {}),
      });
      timeZone ??= page.timeZone;
      for (const ev of page.events) {
        const r = filterEvent(calendarId, ev);
        if (r.kind === "keep") entries.push(r.entry);
      }
      pageToken = page.nextPageToken;
      syncToken = page.nextSyncToken ?? syncToken;
    } while (pageToken);
    const removed = await store.replaceCalendar(user.orgId, user.userId, calendarId, entries);
    const cursor: CalendarCursor = {
      syncToken: syncToken ?? null,
      windowStart,
      windowEnd,
      lastFullSyncAt: now,
    };
    return { cursor, timeZone, upserts: entries.length, removals: removed };
  }

  async function incrementalSync(
    api: CalendarApi,
    user: UserRef,
    calendarId: string,
    cursor: CalendarCursor,
  ) {
    let pageToken: string | undefined;
    let syncToken: string | undefined;
    let upserts = 0;
    let removals = 0;
    const inWindow = (e: CalendarEntry) => {
      const end = "dateTime" in e.end ? Date.parse(e.end.dateTime) : Date.parse(e.end.date);
      const start = "dateTime" in e.start ? Date.parse(e.start.dateTime) : Date.parse(e.start.date);
      // A day of slack either side for all-day dates (their zone is applied later).
      return (
        end >= cursor.windowStart.getTime() - 86_400_000 && start <= cursor.windowEnd.getTime() + 86_400_000
      );
    };
    do {
      const page = await api.listEvents(calendarId, {
        mode: "incremental",
        syncToken: cursor.syncToken ?? "",
        ...(pageToken ? { pageToken } : {}),
      });
      const upsert: CalendarEntry[] = [];
      const remove: string[] = [];
      for (const ev of page.events) {
        const r = filterEvent(calendarId, ev);
        if (r.kind === "keep" && inWindow(r.entry)) upsert.push(r.entry);
        else if (r.kind === "keep") remove.push(r.entry.eventId);
        else if (r.kind === "remove") remove.push(r.eventId);
      }
      await store.apply(user.orgId, user.userId, calendarId, { upsert, remove });
      upserts += upsert.length;
      removals += remove.length;
      pageToken = page.nextPageToken;
      syncToken = page.nextSyncToken ?? syncToken;
    } while (pageToken);
    return { cursor: { ...cursor, syncToken: syncToken ?? cursor.syncToken }, upserts, removals };
  }

  /** Syncs every selected calendar of the user, then recomputes presence. Serialised per user by a lease. */
  async function syncUser(user: UserRef, options: { forceFull?: boolean } = {}): Promise<CalendarSyncReport> {
    const lease = await withLease(
      deps.db,
      `calendar-sync/${user.orgId}/${user.userId}`,
      deps.instanceId,
      WORKER_LEASE_MS, // renewed while the sync runs, however long (up to the 300 s timeout)
      async () => {
        const now = deps.clock();
        const state: CalendarSyncState =
          (await store.state(user.orgId, user.userId)) ?? newSyncState(user.orgId, user.userId);
        const api = deps.calendarFor(user);
        const report: CalendarSyncReport = { calendars: [], presenceChanged: false };
        try {
          for (const calendarId of state.selected) {
            const cursor = state.calendars[calendarId];
            const stale =
              !cursor?.syncToken || now.getTime() - cursor.lastFullSyncAt.getTime() > FULL_SYNC_EVERY_MS;
            let recovered410 = false;
            if (!stale && !options.forceFull && cursor) {
              try {
                const r = await incrementalSync(api, user, calendarId, cursor);
                state.calendars[calendarId] = r.cursor;
                report.calendars.push({
                  calendarId,
                  mode: "incremental",
                  upserts: r.upserts,
                  removals: r.removals,
                  recovered410,
                });
                continue;
              } catch (error) {
                if (!(error instanceof SyncTokenExpiredError)) throw error;
                recovered410 = true;
                log.warn("calendar.sync_token_expired", { ...user, calendarId });
              }
            }
            const r = await fullSync(api, user, calendarId, now);
            state.calendars[calendarId] = r.cursor;
            if (calendarId === "primary" && r.timeZone) state.timeZone = r.timeZone;
            report.calendars.push({
              calendarId,
              mode: "full",
              upserts: r.upserts,
              removals: r.removals,
              recovered410,
            });
          }
          state.lastSyncAt = now;
          state.lastError = null;
          await store.saveState(state);
        } catch (error) {
          state.lastError = error instanceof Error ? truncateText(error.message, 300) : "sync failed";
          await store.saveState(state).catch(() => undefined);
          if (isReauth(error)) {
            // Only the user can fix it: stop listening (channels are forgotten; they lapse at Google).
            await forgetChannels(user);
            log.warn("calendar.sync_needs_reauth", { ...user });
          }
          throw error;
        }
        report.presenceChanged = (await deps.presence.recompute(user.orgId, user.userId)).changed;
        return report;
      },
    );
    if (!lease.ran) {
      // Another instance is syncing this user now; its sync may predate the change we were told about.
      throw new AppError("conflict", "A sync of this user is running; retry", { retryable: true });
    }
    return lease.result;
  }

  async function openChannel(user: UserRef, calendarId: string): Promise<CalendarChannel> {
    const now = deps.clock();
    const id = newChannelId("calendar");
    const token = newChannelToken();
    const record = await ledger.recordOpening({
      kind: "calendar",
      id,
      token,
      ...user,
      resource: calendarId,
      expiresAt: new Date(now.getTime() + CHANNEL_TTL_SECONDS * 1000),
      now,
    });
    try {
      const opened = await deps.calendarFor(user).watchEvents(calendarId, {
        id,
        token,
        address: deps.webhookAddress(),
        ttlSeconds: CHANNEL_TTL_SECONDS,
      });
      const expiresAt = new Date(opened.expiration);
      await ledger.markActive(id, opened.resourceId, expiresAt);
      log.info("calendar.channel_opened", {
        ...user,
        calendarId,
        channelId: id,
        expiresAt: expiresAt.toISOString(),
      });
      return { ...record, resourceId: opened.resourceId, expiresAt, status: "active" };
    } catch (error) {
      await ledger.markStopped(id, deps.clock()).catch(() => undefined);
      throw error;
    }
  }

  async function stopChannel(record: CalendarChannel, replacedBy?: string): Promise<void> {
    if (record.resourceId) {
      await deps
        .calendarFor({ orgId: record.orgId, userId: record.userId })
        .stopChannel(record.id, record.resourceId);
    }
    await ledger.markStopped(record.id, deps.clock(), replacedBy);
  }

  async function setMode(user: UserRef, mode: "push" | "polling", reason: string | null) {
    const state = (await store.state(user.orgId, user.userId)) ?? newSyncState(user.orgId, user.userId);
    if (state.mode === mode && state.modeReason === reason) return;
    await store.saveState({ ...state, mode, modeReason: reason, modeSince: deps.clock() });
    log.info("calendar.sync_mode", { ...user, mode, reason });
  }

  /** Marks the user's channels stopped without calling Google (no usable token). */
  async function forgetChannels(user: UserRef) {
    const now = deps.clock();
    for (const c of await ledger.live("calendar", user)) await ledger.markStopped(c.id, now);
  }

  /**
   * Connect: a full sync and one watch channel per selected calendar that has none. A failed watch leaves
   * the user on polling (visible in GET /v1/integrations) rather than failing the connect.
   */
  async function connect(user: UserRef) {
    await syncUser(user, { forceFull: true });
    const state = (await store.state(user.orgId, user.userId)) ?? newSyncState(user.orgId, user.userId);
    const live = await ledger.live("calendar", user);
    try {
      for (const calendarId of state.selected) {
        if (live.some((c) => c.resource === calendarId && c.status === "active")) continue;
        await openChannel(user, calendarId);
      }
      await setMode(user, "push", null);
    } catch (error) {
      if (isReauth(error)) throw error;
      log.warn("calendar.watch_failed", { ...user, error });
      await setMode(user, "polling", "watch_failed");
    }
  }

  /** Renewal of one channel: the new one is opened before the old is stopped (both are accepted meanwhile). */
  async function renew(old: CalendarChannel): Promise<"renewed" | "polling"> {
    const user = { orgId: old.orgId, userId: old.userId };
    let fresh: CalendarChannel;
    try {
      fresh = await openChannel(user, old.resource);
    } catch (error) {
      log.warn("calendar.renewal_failed", { ...user, channelId: old.id, error });
      if (old.expiresAt.getTime() <= deps.clock().getTime()) await ledger.markExpired(old.id, deps.clock());
      await setMode(user, "polling", "channel_renewal_failed");
      return "polling";
    }
    try {
      await stopChannel(old, fresh.id);
    } catch (error) {
      // The old one lapses on its own; its notifications stay accepted until then (harmless duplicates).
      log.warn("calendar.stop_old_channel_failed", { ...user, channelId: old.id, error });
    }
    await setMode(user, "push", null);
    return "renewed";
  }

  /** Stops every live channel of the user at Google (disconnect, deprovisioning: while the token works). */
  async function stopAllChannels(user: UserRef) {
    for (const c of await ledger.live("calendar", user)) {
      try {
        await stopChannel(c);
      } catch (error) {
        // No usable credentials (the grant is dead, or Google refuses the account: a person deleted in
        // Workspace): nothing of theirs can be stopped any more, and Google drops such channels itself.
        const refused = isReauth(error) || (isAppError(error) && error.code === "forbidden");
        if (!refused) throw error;
        log.warn("calendar.channel_stop_refused", { ...user, channelId: c.id, error });
        await ledger.markStopped(c.id, deps.clock());
      }
    }
  }

  /** Deletes the stored events (after the grant is gone, so no sync still running can store them again). */
  async function forgetEvents(user: UserRef) {
    await store.deleteAll(user.orgId, user.userId);
    // The sync state goes too (identity's cursor teardown may run after this): with no calendar to see,
    // presence falls back to manual/telephony, else unknown, now.
    await deps.db.doc(syncStatePath(user.orgId, user.userId)).delete();
    await deps.presence.recompute(user.orgId, user.userId);
  }

  /** Publishes one sync request (ordering key = user). */
  async function requestSync(
    user: UserRef,
    action: "sync" | "connect" | "stop-channel",
    reason: "notification" | "reconcile" | "polling" | "connect" | "renewal" | "unwanted-channel",
    extra: { channelId?: string; messageNumber?: string } = {},
  ) {
    await deps.publisher.publish(
      CalendarSyncMessage,
      { ...user, action, reason, ...extra, requestedAt: deps.clock().toISOString() },
      { orderingKey: orderingKeyOf(user) },
    );
  }

  return {
    syncUser,
    connect,
    renew,
    openChannel,
    stopChannel,
    stopAllChannels,
    forgetEvents,
    setMode,
    requestSync,
  };
}

export type CalendarSync = ReturnType<typeof calendarSync>;
