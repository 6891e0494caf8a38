// The sidebar's three sources: what each asks Google (one call per source where possible), how the answer
// becomes items, and the "view all" links. Each loader receives its port; contact-context.ts runs them in
// parallel with a timeout and turns failures into a section state.
import type { CalendarApi, GoogleEvent } from "../google/calendar-api";
import type { DriveApi } from "../google/drive-api";
import { driveQuoted } from "../google/drive-api";
import type { GmailApi } from "../google/gmail-api";

export const SOURCES = ["gmail", "drive", "calendar"] as const;
export type Source = (typeof SOURCES)[number];

export interface MailItem {
  id: string;
  subject: string;
  /** ISO instant. */
  date: string;
  link: string;
}
export interface DocItem {
  id: string;
  title: string;
  /** ISO instant of the last edit. */
  modifiedTime: string;
  link: string;
}
export interface EventItem {
  id: string;
  name: string;
  /** ISO instants; all-day events carry dates. */
  start: string;
  end: string;
  allDay: boolean;
  /** In the viewer's time zone: YYYY-MM-DD and HH:mm (empty for all-day). */
  date: string;
  time: string;
  timeZone: string;
  when: "upcoming" | "recent";
}

export interface SectionData<T> {
  items: T[];
  viewAllUrl: string;
  /** Some items could not be fetched (Google kept throttling part of the request): what is here is shown. */
  partial?: true;
  /** Calendar only: the contact's current meeting title, when presence rules allow. */
  current?: { title: string; until: string | null } | null;
}

export const MAIL_LIMIT = 10;
export const DOC_LIMIT = 3;
export const EVENT_LIMIT = 5;
export const EVENT_WINDOW_DAYS = 30;

/** Messages from, to or cc the contact; OR binds tighter than AND in Gmail search. */
export const gmailQuery = (email: string) => `from:${email} OR to:${email} OR cc:${email}`;
export const gmailSearchUrl = (email: string) =>
  `https://mail.google.com/mail/u/0/#search/${encodeURIComponent(gmailQuery(email))}`;

/**
 * Files shared either way between the user and the contact,
 * as one query (docs/google-behaviour.md#drive-search).
 */
export function driveQuery(email: string): string {
  const b = driveQuoted(email);
  return `(('me' in owners and (${b} in writers or ${b} in readers)) or (sharedWithMe and ${b} in owners)) and trashed = false`;
}
export const driveSearchUrl = (email: string) =>
  `https://drive.google.com/drive/search?q=${encodeURIComponent(email)}`;
export const calendarSearchUrl = (email: string) =>
  `https://calendar.google.com/calendar/r/search?q=${encodeURIComponent(email)}`;

export async function loadMail(gmail: GmailApi, email: string): Promise<SectionData<MailItem>> {
  const ids = await gmail.search(gmailQuery(email), MAIL_LIMIT, email);
  const { messages, throttled } = await gmail.metadata(ids.map((m) => m.id));
  const items = messages
    .sort((a, b) => b.date - a.date)
    .map((m) => ({
      id: m.id,
      subject: m.subject,
      date: new Date(m.date).toISOString(),
      link: `https://mail.google.com/mail/u/0/#all/${m.threadId}`,
    }));
  return { items, viewAllUrl: gmailSearchUrl(email), ...(throttled > 0 ? { partial: true as const } : {}) };
}

export async function loadDocs(drive: DriveApi, email: string): Promise<SectionData<DocItem>> {
  const files = await drive.listFiles(driveQuery(email), {
    orderBy: "modifiedTime desc",
    pageSize: DOC_LIMIT,
  });
  const items = files
    .slice(0, DOC_LIMIT)
    .map((f) => ({ id: f.id, title: f.name, modifiedTime: f.modifiedTime, link: f.webViewLink }));
  return { items, viewAllUrl: driveSearchUrl(email) };
}

const startOf = (e: GoogleEvent) => e.start?.dateTime ?? e.start?.date ?? "";
const endOf = (e: GoogleEvent) => e.end?.dateTime ?? e.end?.date ?? "";
const instant = (v: string) => (v.length === 10 ? Date.parse(`${v}T00:00:00Z`) : Date.parse(v));

/** Date and time of an instant in a time zone: ["2026-11-26", "14:30"]. */
export function localDateTime(iso: string, timeZone: string): [string, string] {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return [`${get("year")}-${get("month")}-${get("day")}`, `${get("hour")}:${get("minute")}`];
}

/** Events both attend (the contact organises or is a guest who has not declined), upcoming and recent. */
export function sharedEvents(events: GoogleEvent[], email: string, now: Date, timeZone: string): EventItem[] {
  const who = email.toLowerCase();
  const shared = events.filter((e) => {
    if (e.status === "cancelled" || !e.start) return false;
    if ((e.attendees ?? []).some((a) => a.self && a.responseStatus === "declined")) return false;
    const guest = (e.attendees ?? []).find((a) => a.email?.toLowerCase() === who);
    return (
      (guest !== undefined && guest.responseStatus !== "declined") ||
      e.organizer?.email?.toLowerCase() === who
    );
  });
  const item = (e: GoogleEvent, when: EventItem["when"]): EventItem => {
    const start = startOf(e);
    const allDay = start.length === 10;
    const [date, time] = allDay ? [start, ""] : localDateTime(start, timeZone);
    return {
      id: e.id ?? "",
      name: e.summary ?? "(no title)",
      start,
      end: endOf(e),
      allDay,
      date,
      time,
      timeZone,
      when,
    };
  };
  const t = now.getTime();
  const upcoming = shared
    .filter((e) => instant(endOf(e) || startOf(e)) > t)
    .sort((a, b) => instant(startOf(a)) - instant(startOf(b)))
    .slice(0, EVENT_LIMIT)
    .map((e) => item(e, "upcoming"));
  const recent = shared
    .filter((e) => instant(endOf(e) || startOf(e)) <= t)
    .sort((a, b) => instant(startOf(b)) - instant(startOf(a)))
    .slice(0, EVENT_LIMIT)
    .map((e) => item(e, "recent"));
  return [...upcoming, ...recent];
}

export async function loadEvents(
  calendar: CalendarApi,
  email: string,
  now: Date,
  fallbackTimeZone: string,
): Promise<SectionData<EventItem>> {
  const day = 86_400_000;
  const page = await calendar.listEvents("primary", {
    mode: "full",
    timeMin: new Date(now.getTime() - EVENT_WINDOW_DAYS * day),
    timeMax: new Date(now.getTime() + EVENT_WINDOW_DAYS * day),
  });
  // The viewer's time zone is their primary calendar's.
  const zone = page.timeZone ?? fallbackTimeZone;
  return { items: sharedEvents(page.events, email, now, zone), viewAllUrl: calendarSearchUrl(email) };
}
