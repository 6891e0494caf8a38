// The presence capability's services: stores, presence repository, calendar sync and the workers behind
// calendar-sync, presence-sweep and channel-renewal, built from a few ports (tests pass emulator- and
// simulator-backed ones) and memoised. The composition root (shared/wiring) builds them once per process.
import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { googleCalendarApi } from "../google/calendar-api";
import { userAuthClient } from "../google/google-client-options";
import type { RetryOptions } from "../google/retry";
import type { AccessTokenProvider } from "../identity";
import { AppError } from "../platform/errors";
import { type Logger, logger as rootLogger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import type { SecretStore } from "../platform/secrets";
import { type WatchChannelLedger, watchChannelLedger } from "../platform/watch-channel-ledger";
import { type CalendarStore, firestoreCalendarStore } from "./calendar-store";
import { type CalendarSync, calendarSync } from "./calendar-sync";
import { CALENDAR_WEBHOOK_PATH } from "./calendar-webhook-routes";
import { firestorePresenceRepository, type PresenceRepository } from "./presence-repository";

export interface PresenceDeps {
  firestore: () => Firestore;
  publisher: EventPublisher;
  secrets: SecretStore;
  tokens: () => AccessTokenProvider;
  clock: () => Date;
  /** GOOGLE_API_ROOT_URL. */
  apiRootUrl: string;
  /** PUBLIC_WEBHOOKS_URL: where Google delivers notifications. */
  webhooksBaseUrl: string | undefined;
  log?: Logger;
  retry?: RetryOptions;
  instanceId?: string;
  /** TICK_LEASE_MS: how long a crashed tick or connect request keeps its slot (default 60 s). */
  tickLeaseMs?: number;
  /** CALENDAR_RECONCILE_MINUTES: a calendar not synced for this long is synced by the renewal tick. */
  reconcileAfterMs?: number;
}

export interface PresenceServices {
  deps: PresenceDeps;
  db(): Firestore;
  store(): CalendarStore;
  ledger(): WatchChannelLedger;
  presence(): PresenceRepository;
  sync(): CalendarSync;
  log(): Logger;
}

export function presenceServices(deps: PresenceDeps): PresenceServices {
  const once = <T>(make: () => T) => {
    let v: { v: T } | undefined;
    return () => {
      v ??= { v: make() };
      return v.v;
    };
  };
  const log = () => deps.log ?? rootLogger();
  const store = once(() => firestoreCalendarStore(deps.firestore()));
  const ledger = once(() => watchChannelLedger(deps.firestore()));
  const presence = once(() =>
    firestorePresenceRepository({
      db: deps.firestore(),
      calendar: store(),
      publisher: deps.publisher,
      clock: deps.clock,
      log: log(),
    }),
  );
  const instanceId = deps.instanceId ?? `presence-${randomUUID()}`;
  const sync = once(() =>
    calendarSync({
      db: deps.firestore(),
      store: store(),
      ledger: ledger(),
      presence: presence(),
      publisher: deps.publisher,
      calendarFor: (user) =>
        googleCalendarApi(
          { rootUrl: deps.apiRootUrl },
          userAuthClient(deps.tokens(), user, "calendar"),
          deps.retry ? { retry: deps.retry } : {},
        ),
      clock: deps.clock,
      log: log(),
      webhookAddress: () => {
        if (!deps.webhooksBaseUrl) throw new AppError("not_ready", "PUBLIC_WEBHOOKS_URL is not configured");
        return `${deps.webhooksBaseUrl.replace(/\/+$/, "")}${CALENDAR_WEBHOOK_PATH}`;
      },
      instanceId,
    }),
  );
  return { deps, db: () => deps.firestore(), store, ledger, presence, sync, log };
}

/**
 * Calendar's `sync` in GET /v1/integrations: push (watch channels) or polling (renewal failed, with the
 * reason and since when), the last sync and its error.
 */
export function calendarSyncStatus(services: () => PresenceServices) {
  return async (user: { orgId: string; userId: string }) => {
    const state = await services().store().state(user.orgId, user.userId);
    if (!state) return { mode: "pending", reason: null, since: null, lastSyncAt: null, lastError: null };
    return {
      mode: state.mode,
      reason: state.modeReason,
      since: state.modeSince?.toISOString() ?? null,
      lastSyncAt: state.lastSyncAt?.toISOString() ?? null,
      lastError: state.lastError,
    };
  };
}
