// The Calendar part of the control API: share calendars, act as a person would in Google Calendar
// (create, move, decline, cancel an event), invalidate sync tokens, watch notifications go out, inject
// notification faults and send spoofed notifications. Exposed as `sim.control.calendar` and over HTTP
// under /_sim/calendar/….
import { randomBytes } from "node:crypto";
import type { SimState } from "../state";
import {
  deleteEvent,
  detailFor,
  insertEvent,
  locate,
  modifyEvent,
  renderEvent,
  setResponse,
  settlePending,
} from "./events";
import {
  type AccessRole,
  type AclRule,
  accessRole,
  type Calendar,
  createSecondaryCalendar,
  findCalendar,
  orgCalendars,
  primaryCalendar,
  setCalendarDomainDefault,
  viewerOf,
} from "./model";
import {
  type CalendarChannel,
  calendarPush,
  type NotificationFault,
  type NotificationRecord,
  postEmpty,
} from "./push";
import { type CalendarSettings, calendarSettings } from "./settings";
import { dayNumber, formatDate, fromDayNumber, isValidTimeZone, parseDate } from "./tz";

export type EventInput = Record<string, unknown>;

export interface SpoofOptions {
  /** A live channel to imitate (its address, ids and URI), or give `address` and ids yourself. */
  channelId?: string;
  address?: string;
  resourceId?: string;
  resourceUri?: string;
  /** The token to send; default a wrong one. null = no X-Goog-Channel-Token header. */
  token?: string | null;
  state?: "sync" | "exists" | "not_exists";
  messageNumber?: number;
}

export class CalendarControl {
  constructor(private readonly state: SimState) {}

  // ---- settings ---------------------------------------------------------------------------------

  configure(patch: Partial<CalendarSettings>): CalendarSettings {
    Object.assign(calendarSettings(this.state), patch);
    return this.settings();
  }

  settings(): CalendarSettings {
    return { ...calendarSettings(this.state) };
  }

  // ---- calendars and sharing ----------------------------------------------------------------------

  private user(email: string) {
    const found = this.state.findUser(email);
    if (!found) throw new Error(`no seeded user ${email}`);
    return found;
  }

  private calendarOf(
    userEmail: string,
    calendarId?: string,
  ): { calendar: Calendar; role: AccessRole; email: string } {
    const { org, user } = this.user(userEmail);
    const calendar =
      !calendarId || calendarId === "primary"
        ? primaryCalendar(org, user, this.state.now())
        : findCalendar(this.state, calendarId);
    if (!calendar) throw new Error(`no calendar ${calendarId}`);
    return {
      calendar,
      role: accessRole(this.state, calendar, viewerOf(org, user)),
      email: user.primaryEmail,
    };
  }

  primaryCalendarId(userEmail: string): string {
    return this.calendarOf(userEmail).calendar.id;
  }

  /** A secondary calendar owned by the user, shown in their calendar list. */
  createCalendar(
    ownerEmail: string,
    init: { summary: string; timeZone?: string; description?: string },
  ): { id: string } {
    const { org, user } = this.user(ownerEmail);
    if (init.timeZone && !isValidTimeZone(init.timeZone)) throw new Error(`bad time zone ${init.timeZone}`);
    const cal = createSecondaryCalendar(this.state, org, user.primaryEmail, init.summary, init.timeZone);
    if (init.description) cal.description = init.description;
    return { id: cal.id };
  }

  setTimeZone(calendarIdOrUser: string, timeZone: string): void {
    if (!isValidTimeZone(timeZone)) throw new Error(`bad time zone ${timeZone}`);
    const cal = findCalendar(this.state, calendarIdOrUser);
    if (!cal) throw new Error(`no calendar ${calendarIdOrUser}`);
    cal.timeZone = timeZone;
  }

  /** Adds (or replaces) an ACL rule. Sharing changes invalidate the calendar's sync tokens, as in Google. */
  share(
    calendarIdOrUser: string,
    rule: { type: AclRule["scope"]["type"]; value?: string; role: AccessRole },
  ): AclRule {
    const cal = findCalendar(this.state, calendarIdOrUser);
    if (!cal) throw new Error(`no calendar ${calendarIdOrUser}`);
    const value = rule.value?.toLowerCase();
    const id = rule.type === "default" ? "default" : `${rule.type}:${value}`;
    cal.acl = cal.acl.filter((r) => r.id !== id);
    const out: AclRule = { id, scope: { type: rule.type, ...(value ? { value } : {}) }, role: rule.role };
    if (rule.role !== "none" || rule.type === "domain") cal.acl.push(out);
    cal.epoch++;
    return out;
  }

  /** The organisation's default sharing of primary calendars inside the domain (Admin console). */
  setDomainDefault(domain: string, role: AccessRole): void {
    const org = this.state.orgByDomain(domain);
    if (!org) throw new Error(`no organisation ${domain}`);
    setCalendarDomainDefault(org, role);
  }

  /** Adds someone else's calendar to the user's calendar list. */
  subscribe(userEmail: string, calendarId: string): void {
    const { org, user } = this.user(userEmail);
    const subs = orgCalendars(org).subscriptions;
    const set = subs.get(user.primaryEmail) ?? new Set<string>();
    set.add(calendarId.toLowerCase());
    subs.set(user.primaryEmail, set);
  }

  // ---- acting as a person ----------------------------------------------------------------------------

  private render(
    userEmail: string,
    calendar: Calendar,
    role: AccessRole,
    id: string,
  ): Record<string, unknown> {
    const found = locate(this.state, calendar, id);
    if (!found) throw new Error(`no event ${id}`);
    return renderEvent(found.record, {
      calendar,
      zone: calendar.timeZone,
      detail: detailFor(role, found.record, userEmail),
    });
  }

  /** Creates an event in the user's calendar (primary unless `calendarId`); attendees get their copies. */
  createEvent(
    userEmail: string,
    event: EventInput,
    opts: { calendarId?: string; conferenceDataVersion?: number } = {},
  ): Record<string, unknown> {
    const { calendar, role, email } = this.calendarOf(userEmail, opts.calendarId);
    const record = insertEvent(this.state, calendar, email, role, event, {
      fromAddOn: true, // as Google's UI, where conferencing add-ons attach their conferences
      conferenceDataVersion: opts.conferenceDataVersion ?? 1,
    });
    return this.render(email, calendar, role, record.id);
  }

  /** Edits an event as its organizer (patch semantics). An instance id edits that occurrence only. */
  updateEvent(
    userEmail: string,
    eventId: string,
    patch: EventInput,
    opts: { calendarId?: string } = {},
  ): Record<string, unknown> {
    const { calendar, role, email } = this.calendarOf(userEmail, opts.calendarId);
    const record = modifyEvent(this.state, calendar, eventId, email, role, patch, "patch", {
      fromAddOn: true,
      conferenceDataVersion: 1,
    });
    return this.render(email, calendar, role, record.id);
  }

  /** Moves an event to a new start (RFC 3339, or a date for all-day events), keeping its duration. */
  moveEvent(
    userEmail: string,
    eventId: string,
    to: { start: string; end?: string },
    opts: { calendarId?: string } = {},
  ): Record<string, unknown> {
    const { calendar } = this.calendarOf(userEmail, opts.calendarId);
    const found = locate(this.state, calendar, eventId);
    if (!found) throw new Error(`no event ${eventId}`);
    const r = found.record;
    let patch: EventInput;
    if (r.start.date !== undefined) {
      const newStart = parseDate(to.start);
      if (!newStart) throw new Error(`all-day events move to a date (YYYY-MM-DD), got ${to.start}`);
      const days = dayNumber(parseDate(r.end.date!)!) - dayNumber(parseDate(r.start.date)!);
      patch = {
        start: { date: to.start },
        end: { date: to.end ?? formatDate(fromDayNumber(dayNumber(newStart) + days)) },
      };
    } else {
      const startMs = Date.parse(to.start);
      if (Number.isNaN(startMs)) throw new Error(`bad start ${to.start}`);
      const endMs = to.end ? Date.parse(to.end) : startMs + (r.end.ms - r.start.ms);
      patch = {
        start: {
          dateTime: new Date(startMs).toISOString(),
          ...(r.start.timeZone ? { timeZone: r.start.timeZone } : {}),
        },
        end: {
          dateTime: new Date(endMs).toISOString(),
          ...(r.end.timeZone ? { timeZone: r.end.timeZone } : {}),
        },
      };
    }
    return this.updateEvent(userEmail, eventId, patch, opts);
  }

  /** The user answers an invitation in their own calendar: accepted, declined, tentative. */
  respond(
    userEmail: string,
    eventId: string,
    responseStatus: "accepted" | "declined" | "tentative" | "needsAction",
  ): Record<string, unknown> {
    const { calendar, role, email } = this.calendarOf(userEmail);
    settlePending(this.state, calendar);
    const found = locate(this.state, calendar, eventId);
    if (!found) throw new Error(`${userEmail} has no event ${eventId}`);
    let record = found.record;
    if (found.instanceOf) record = modifyEvent(this.state, calendar, eventId, email, "owner", {}, "patch");
    setResponse(this.state, record, email, responseStatus);
    return this.render(email, calendar, role, record.id);
  }

  decline(userEmail: string, eventId: string): Record<string, unknown> {
    return this.respond(userEmail, eventId, "declined");
  }

  /** Deletes (organizer: cancels for everyone) an event or one instance of a series. */
  cancelEvent(userEmail: string, eventId: string, opts: { calendarId?: string } = {}): void {
    const { calendar, role, email } = this.calendarOf(userEmail, opts.calendarId);
    deleteEvent(this.state, calendar, eventId, email, role);
  }

  /** The calendar as its owner sees it (series unexpanded, deleted events omitted). */
  events(userEmail: string, opts: { calendarId?: string } = {}): Record<string, unknown>[] {
    const { calendar, role, email } = this.calendarOf(userEmail, opts.calendarId);
    return [...calendar.entries.values()]
      .filter((r) => !r.deleted && !calendar.removed.has(r.id) && r.body.status !== "cancelled")
      .sort((a, b) => a.start.ms - b.start.ms)
      .map((r) => renderEvent(r, { calendar, zone: calendar.timeZone, detail: detailFor(role, r, email) }));
  }

  /** Every sync token of the user's calendars dies: the next incremental sync gets 410 fullSyncRequired. */
  invalidateSyncTokens(userEmail: string): void {
    const { org, user } = this.user(userEmail);
    primaryCalendar(org, user, this.state.now()).epoch++;
    for (const cal of orgCalendars(org).calendars.values())
      if (cal.ownerEmail === user.primaryEmail) cal.epoch++;
  }

  // ---- watch channels and notifications ---------------------------------------------------------------

  channels(): Array<Omit<CalendarChannel, "calendar">> {
    return calendarPush(this.state)
      .channels()
      .map(({ calendar: _c, ...rest }) => rest);
  }

  notifications(filter: { channelId?: string; state?: "sync" | "exists" } = {}): NotificationRecord[] {
    return calendarPush(this.state).deliveries.filter(
      (d) =>
        (filter.channelId === undefined || d.channelId === filter.channelId) &&
        (filter.state === undefined || d.state === filter.state),
    );
  }

  clearNotifications(): void {
    calendarPush(this.state).deliveries.length = 0;
  }

  /** Resolves when every pending notification has been attempted. */
  drainNotifications(): Promise<void> {
    return calendarPush(this.state).drain();
  }

  injectNotificationFault(fault: NotificationFault): number {
    return calendarPush(this.state).addFault(fault);
  }

  removeNotificationFault(id: number): void {
    calendarPush(this.state).removeFault(id);
  }

  clearNotificationFaults(): void {
    calendarPush(this.state).clearFaults();
  }

  /** Sends a notification that did not come from Google (wrong or missing token) to a webhook. */
  async spoofNotification(
    opts: SpoofOptions,
  ): Promise<{ status: number | "network-error"; headers: Record<string, string> }> {
    const channel = opts.channelId
      ? calendarPush(this.state)
          .channels()
          .find((c) => c.id === opts.channelId)
      : undefined;
    const address = opts.address ?? channel?.address;
    if (!address) throw new Error("spoofNotification needs a live channelId or an address");
    const headers: Record<string, string> = {
      "X-Goog-Channel-ID": opts.channelId ?? channel?.id ?? `spoof-${randomBytes(6).toString("hex")}`,
      "X-Goog-Message-Number": String(opts.messageNumber ?? 999_999),
      "X-Goog-Resource-ID":
        opts.resourceId ?? channel?.resourceId ?? randomBytes(20).toString("base64url").slice(0, 27),
      "X-Goog-Resource-URI":
        opts.resourceUri ??
        channel?.resourceUri ??
        "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
      "X-Goog-Resource-State": opts.state ?? "exists",
      "Content-Length": "0",
    };
    if (channel) headers["X-Goog-Channel-Expiration"] = new Date(channel.expiration).toUTCString();
    const token = opts.token === undefined ? `spoofed-${randomBytes(8).toString("hex")}` : opts.token;
    if (token !== null) headers["X-Goog-Channel-Token"] = token;
    return { status: await postEmpty(address, headers), headers };
  }

  /** Forget channels, notification records and faults (called by SimControl.reset). */
  reset(): void {
    calendarPush(this.state).clear();
  }

  /** Stop all delivery (simulator shutdown). */
  shutdown(): void {
    calendarPush(this.state).close();
  }
}

const controls = new WeakMap<SimState, CalendarControl>();

export function calendarControl(state: SimState): CalendarControl {
  let c = controls.get(state);
  if (!c) {
    c = new CalendarControl(state);
    controls.set(state, c);
  }
  return c;
}
