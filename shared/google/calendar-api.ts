// The Google Calendar API port (events.list with sync tokens, events.watch, channels.stop, the calendar
// list) and its adapter over @googleapis/calendar v3. Every call goes through withGoogleRetry; a 410 is
// surfaced as SyncTokenExpiredError so the use case runs a full sync; the rest becomes an AppError.

import type { OAuth2Client } from "google-auth-library";
import { AppError } from "../platform/errors";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget } from "./google-client-options";
import { googleErrorInfo, isExpiredCursor, toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

/** The subset of a Calendar API event resource Switchboard reads. */
export interface GoogleEvent {
  id?: string | null;
  status?: string | null;
  eventType?: string | null;
  transparency?: string | null;
  visibility?: string | null;
  summary?: string | null;
  start?: { date?: string | null; dateTime?: string | null; timeZone?: string | null } | null;
  end?: { date?: string | null; dateTime?: string | null; timeZone?: string | null } | null;
  attendees?: Array<{ email?: string | null; self?: boolean | null; responseStatus?: string | null }> | null;
  organizer?: { email?: string | null; self?: boolean | null } | null;
  recurringEventId?: string | null;
  updated?: string | null;
}

export class SyncTokenExpiredError extends Error {
  constructor(readonly calendarId: string) {
    super(`The sync token of calendar ${calendarId} is no longer valid; a full sync is required`);
    this.name = "SyncTokenExpiredError";
  }
}

export type EventListQuery =
  | { mode: "full"; timeMin: Date; timeMax: Date; pageToken?: string }
  | { mode: "incremental"; syncToken: string; pageToken?: string };

export interface EventPage {
  events: GoogleEvent[];
  nextPageToken: string | undefined;
  /** Only on the last page. */
  nextSyncToken: string | undefined;
  /** The calendar's IANA time zone. */
  timeZone: string | undefined;
}

export interface CalendarWatchRequest {
  id: string;
  token: string;
  address: string;
  /** Seconds the channel should live (Google may shorten it). */
  ttlSeconds: number;
}

export interface OpenedCalendarChannel {
  id: string;
  resourceId: string;
  /** Epoch ms. */
  expiration: number;
}

export interface CalendarListEntry {
  id: string;
  primary: boolean;
  accessRole: string;
  timeZone: string | undefined;
}

export interface CalendarApi {
  listEvents(calendarId: string, query: EventListQuery): Promise<EventPage>;
  watchEvents(calendarId: string, channel: CalendarWatchRequest): Promise<OpenedCalendarChannel>;
  /** Idempotent: a channel already stopped or expired (404) counts as stopped. */
  stopChannel(id: string, resourceId: string): Promise<void>;
  listCalendars(): Promise<CalendarListEntry[]>;
}

/** Our own errors (the vault's needs_reauth / not_connected) keep their code and details. */
const passThrough = (error: unknown): AppError | undefined => (error instanceof AppError ? error : undefined);

/**
 * Large pages: fewer calls against the 600 requests/min/user quota
 * (docs/google-behaviour.md#calendar-quota).
 */
export const EVENTS_PAGE_SIZE = 2500;

export function googleCalendarApi(
  target: GoogleApiTarget,
  auth: OAuth2Client,
  options: { retry?: RetryOptions } = {},
): CalendarApi {
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/calendar")).calendar({ version: "v3", ...clientOptions(target, auth) }),
  );
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withGoogleRetry(fn, options.retry);
    } catch (error) {
      throw passThrough(error) ?? toAppError(error, what);
    }
  };
  return {
    async listEvents(calendarId, query) {
      // The same parameters on the full and the incremental sync (Google: otherwise undefined behaviour),
      // except those forbidden with a sync token.
      const common = {
        calendarId,
        singleEvents: true,
        maxResults: EVENTS_PAGE_SIZE,
        ...(query.pageToken ? { pageToken: query.pageToken } : {}),
      };
      const params =
        query.mode === "full"
          ? { ...common, timeMin: query.timeMin.toISOString(), timeMax: query.timeMax.toISOString() }
          : { ...common, syncToken: query.syncToken };
      try {
        const res = await withGoogleRetry(async () => (await api()).events.list(params), options.retry);
        return {
          events: (res.data.items ?? []) as GoogleEvent[],
          nextPageToken: res.data.nextPageToken ?? undefined,
          nextSyncToken: res.data.nextSyncToken ?? undefined,
          timeZone: res.data.timeZone ?? undefined,
        };
      } catch (error) {
        if (query.mode === "incremental" && isExpiredCursor(error)) {
          throw new SyncTokenExpiredError(calendarId);
        }
        throw passThrough(error) ?? toAppError(error, "calendar events.list");
      }
    },
    async watchEvents(calendarId, channel) {
      const res = await call("calendar events.watch", async () =>
        (await api()).events.watch({
          calendarId,
          requestBody: {
            id: channel.id,
            type: "web_hook",
            address: channel.address,
            token: channel.token,
            params: { ttl: String(channel.ttlSeconds) },
          },
        }),
      );
      return {
        id: res.data.id ?? channel.id,
        resourceId: res.data.resourceId ?? "",
        expiration: Number(res.data.expiration ?? Date.now() + channel.ttlSeconds * 1000),
      };
    },
    async stopChannel(id, resourceId) {
      try {
        await withGoogleRetry(
          async () => (await api()).channels.stop({ requestBody: { id, resourceId } }),
          options.retry,
        );
      } catch (error) {
        if (googleErrorInfo(error)?.status === 404) return;
        throw passThrough(error) ?? toAppError(error, "calendar channels.stop");
      }
    },
    async listCalendars() {
      const out: CalendarListEntry[] = [];
      let pageToken: string | undefined;
      do {
        const res = await call("calendar calendarList.list", async () =>
          (await api()).calendarList.list({ maxResults: 250, ...(pageToken ? { pageToken } : {}) }),
        );
        for (const c of res.data.items ?? []) {
          if (!c.id) continue;
          out.push({
            id: c.id,
            primary: c.primary === true,
            accessRole: c.accessRole ?? "none",
            timeZone: c.timeZone ?? undefined,
          });
        }
        pageToken = res.data.nextPageToken ?? undefined;
      } while (pageToken);
      return out;
    },
  };
}
