// Reading and patching one calendar event (meeting details). The presence calendar port (calendar-api.ts)
// lists and watches; this one gets and patches, over the same @googleapis/calendar v3 client.

import type { OAuth2Client } from "google-auth-library";
import { AppError } from "../platform/errors";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget } from "./google-client-options";
import { classifyGoogleError, googleErrorInfo, toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

export interface CalendarEventResource {
  id: string;
  summary?: string | null;
  description?: string | null;
  location?: string | null;
  organizer?: { email?: string | null; self?: boolean | null } | null;
  extendedProperties?: {
    private?: Record<string, string> | null;
    shared?: Record<string, string> | null;
  } | null;
  etag?: string | null;
}

export interface EventPatch {
  description?: string | null;
  location?: string | null;
  extendedProperties?: { private: Record<string, string | null> };
}

export interface CalendarEventsApi {
  /** Undefined when the event does not exist or the user cannot see it. */
  getEvent(calendarId: string, eventId: string): Promise<CalendarEventResource | undefined>;
  patchEvent(calendarId: string, eventId: string, patch: EventPatch): Promise<CalendarEventResource>;
}

export function googleCalendarEventsApi(
  target: GoogleApiTarget,
  auth: OAuth2Client,
  options: { retry?: RetryOptions } = {},
): CalendarEventsApi {
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/calendar")).calendar({ version: "v3", ...clientOptions(target, auth) }),
  );
  const fail = (error: unknown, what: string) => {
    if (error instanceof AppError) return error;
    // An attendee (not the organiser) changing shared fields: forbiddenForNonOrganizer.
    if (classifyGoogleError(error).kind === "forbidden") {
      return new AppError("forbidden", "Only the organiser or an editor of the event can change it", {
        cause: error,
      });
    }
    return toAppError(error, what);
  };
  return {
    async getEvent(calendarId, eventId) {
      try {
        const res = await withGoogleRetry(
          async () => (await api()).events.get({ calendarId, eventId }),
          options.retry,
        );
        return res.data as CalendarEventResource;
      } catch (error) {
        const status = googleErrorInfo(error)?.status;
        if (status === 404 || status === 410) return undefined;
        throw fail(error, "calendar events.get");
      }
    },
    async patchEvent(calendarId, eventId, patch) {
      try {
        const res = await withGoogleRetry(
          async () => (await api()).events.patch({ calendarId, eventId, requestBody: patch as never }),
          options.retry,
        );
        return res.data as CalendarEventResource;
      } catch (error) {
        throw fail(error, "calendar events.patch");
      }
    },
  };
}
