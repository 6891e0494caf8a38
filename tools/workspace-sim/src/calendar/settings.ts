// Calendar, push and quota knobs, kept beside core's settings (one object per simulator).
import { DAY } from "../clock";
import type { SimState } from "../state";

export interface CalendarSettings {
  /** Requests per user per minute (Google: 600). null = unlimited. */
  requestsPerUserPerMinute: number | null;
  /** Status of an over-quota answer: 403 usageLimits/userRateLimitExceeded or 429 rateLimitExceeded. */
  rateLimitStatus: 403 | 429;
  /** A sync token dies this long after the full sync it descends from ([U]: Google does not document it). */
  syncTokenLifetimeMs: number;
  /** Default channel lifetime when neither expiration nor params.ttl is given (604800 s). */
  channelDefaultTtlMs: number;
  /** Longest channel lifetime the simulator grants ([U]: no documented maximum). */
  channelMaxLifetimeMs: number;
  /** Real ms to collect changes on one channel into one `exists` notification. */
  notificationDebounceMs: number;
  /** Delivery attempts on 500/502/503/504 (first try included). */
  deliveryMaxAttempts: number;
  /** First retry after this many real ms; doubles each time. */
  deliveryRetryBaseMs: number;
  /** Retry network errors (connection refused) like 5xx. Google's behaviour is undocumented [U]. */
  retryNetworkErrors: boolean;
  /** Real ms after which a pending Meet createRequest succeeds (it also succeeds on the next read). 0 = only on read. */
  conferenceCreateDelayMs: number;
  /** Domain-wide default sharing of primary calendars within an organisation. */
  domainDefaultRole: "none" | "freeBusyReader" | "reader";
  /** Horizon for expanding open-ended series in incremental syncs with singleEvents=true. */
  openSeriesHorizonMs: number;
  /** Longest event description accepted; longer → 400 ([U] reported near 8,192). null = no limit. */
  descriptionMaxChars: number | null;
  /** OAuth clients treated as Calendar-conferencing Marketplace add-ons (may write `addOn` conference data). */
  addOnClientIds: string[];
}

export function defaultCalendarSettings(): CalendarSettings {
  return {
    requestsPerUserPerMinute: 600,
    rateLimitStatus: 403,
    syncTokenLifetimeMs: 30 * DAY,
    channelDefaultTtlMs: 604_800_000,
    channelMaxLifetimeMs: 30 * DAY,
    notificationDebounceMs: 25,
    deliveryMaxAttempts: 5,
    deliveryRetryBaseMs: 50,
    retryNetworkErrors: true,
    conferenceCreateDelayMs: 100,
    domainDefaultRole: "freeBusyReader",
    openSeriesHorizonMs: 365 * DAY,
    descriptionMaxChars: 8_192,
    addOnClientIds: [],
  };
}

const bySim = new WeakMap<SimState, CalendarSettings>();

export function calendarSettings(state: SimState): CalendarSettings {
  let s = bySim.get(state);
  if (!s) {
    s = defaultCalendarSettings();
    bySim.set(state, s);
  }
  return s;
}
