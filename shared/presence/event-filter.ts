// Pure: what Switchboard keeps of a Google Calendar event (the presence engine's input and the
// sidebar's shared events), and which events count as busy. Titles are kept only for public events:
// a private, confidential or default-visibility title is never stored (docs/product.md#presence-privacy).
import { z } from "zod";
import type { GoogleEvent } from "../google/calendar-api";
import { truncateText } from "../platform/text";

export type { GoogleEvent };

export const EventTime = z.union([
  z.object({ dateTime: z.iso.datetime({ offset: true }) }).strict(),
  z.object({ date: z.iso.date() }).strict(),
]);
export type EventTime = z.infer<typeof EventTime>;

export const CalendarEntry = z.object({
  calendarId: z.string().min(1),
  eventId: z.string().min(1),
  eventType: z.enum(["default", "outOfOffice", "focusTime"]),
  status: z.enum(["confirmed", "tentative"]),
  transparency: z.enum(["opaque", "transparent"]),
  visibility: z.enum(["default", "public", "private"]),
  /** The calendar owner's own answer, when they are an attendee (null: organiser or no attendee list). */
  selfResponse: z.enum(["needsAction", "declined", "tentative", "accepted"]).nullable(),
  start: EventTime,
  end: EventTime,
  /** Only for public events. */
  title: z.string().max(1024).nullable(),
  /** Attendee emails, lower-case (the sidebar's "shared events"). */
  attendees: z.array(z.string()).max(200),
  organizer: z.string().nullable(),
  recurringEventId: z.string().nullable(),
  updated: z.string().nullable(),
});
export type CalendarEntry = z.infer<typeof CalendarEntry>;

export type FilterResult =
  | { kind: "keep"; entry: CalendarEntry }
  /** A tombstone, or an event that no longer matters: whatever is stored under this id goes. */
  | { kind: "remove"; eventId: string }
  | { kind: "skip" };

const KEPT_TYPES = new Set(["default", "outOfOffice", "focusTime"]);

function timeOf(t: GoogleEvent["start"]): EventTime | undefined {
  if (t?.dateTime) {
    const parsed = EventTime.safeParse({ dateTime: t.dateTime });
    return parsed.success ? parsed.data : undefined;
  }
  if (t?.date) {
    const parsed = EventTime.safeParse({ date: t.date });
    return parsed.success ? parsed.data : undefined;
  }
  return undefined;
}

/** Maps an event from events.list to what is stored, or says it must be removed. */
export function filterEvent(calendarId: string, event: GoogleEvent): FilterResult {
  if (!event.id) return { kind: "skip" };
  if (event.status === "cancelled") return { kind: "remove", eventId: event.id };
  const eventType = event.eventType ?? "default";
  // Working locations, birthdays and Gmail events never make anyone busy: not stored (and removed).
  if (!KEPT_TYPES.has(eventType)) return { kind: "remove", eventId: event.id };
  const start = timeOf(event.start);
  const end = timeOf(event.end);
  if (!start || !end) return { kind: "remove", eventId: event.id };
  const self = event.attendees?.find((a) => a.self);
  const response = self?.responseStatus;
  const visibility =
    event.visibility === "public"
      ? "public"
      : event.visibility === "private" || event.visibility === "confidential"
        ? "private"
        : "default";
  const entry: CalendarEntry = {
    calendarId,
    eventId: event.id,
    eventType: eventType as CalendarEntry["eventType"],
    status: event.status === "tentative" ? "tentative" : "confirmed",
    transparency: event.transparency === "transparent" ? "transparent" : "opaque",
    visibility,
    selfResponse:
      response === "needsAction" ||
      response === "declined" ||
      response === "tentative" ||
      response === "accepted"
        ? response
        : null,
    start,
    end,
    title: visibility === "public" ? truncateText(event.summary ?? "", 1024) || null : null,
    attendees: (event.attendees ?? [])
      .map((a) => a.email?.toLowerCase())
      .filter((e): e is string => !!e)
      .slice(0, 200),
    organizer: event.organizer?.email?.toLowerCase() ?? null,
    recurringEventId: event.recurringEventId ?? null,
    updated: event.updated ?? null,
  };
  return { kind: "keep", entry };
}

export interface PresenceSettings {
  /** Org setting: a tentative event (or a tentative answer) makes the user "in a meeting". */
  tentativeCounts: boolean;
}

export type BusyKind = "out_of_office" | "in_meeting" | "focus";

/** What an entry makes its owner, if anything. Declined never counts; all-day counts only for OOO. */
export function busyKindOf(entry: CalendarEntry, settings: PresenceSettings): BusyKind | null {
  if (entry.selfResponse === "declined") return null;
  const allDay = "date" in entry.start;
  if (entry.eventType === "outOfOffice") return "out_of_office";
  if (entry.eventType === "focusTime") return allDay ? null : "focus";
  if (allDay) return null;
  if (entry.transparency === "transparent") return null;
  const tentative = entry.status === "tentative" || entry.selfResponse === "tentative";
  if (tentative && !settings.tentativeCounts) return null;
  return "in_meeting";
}
