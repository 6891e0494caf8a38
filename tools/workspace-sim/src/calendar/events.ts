// Event semantics shared by the REST API and the control API: validation of the writable fields,
// insert / patch / update / delete (also of single instances of a series, which become exceptions),
// attendee copies, responses, Meet conference creation, series expansion and rendering per viewer.
import { randomBytes } from "node:crypto";
import { ApiError, invalidArgument, notFound } from "../errors";
import type { SimState } from "../state";
import {
  type AccessRole,
  type Calendar,
  type EventRecord,
  findCalendar,
  type Moment,
  newEventId,
  nextEtag,
  primaryCalendar,
  ROLE_RANK,
  touch,
} from "./model";
import { expandRecurrence, instanceSuffix, parseRecurrence, RecurrenceError } from "./rrule";
import { calendarSettings } from "./settings";
import {
  dayNumber,
  formatDate,
  formatRfc3339,
  fromDayNumber,
  isValidTimeZone,
  localParts,
  parseDate,
  parseDateTime,
  zonedToUtc,
} from "./tz";

const STATUSES = ["confirmed", "tentative", "cancelled"];
const TRANSPARENCIES = ["opaque", "transparent"];
const VISIBILITIES = ["default", "public", "private", "confidential"];
const CREATABLE_TYPES = ["default", "outOfOffice", "focusTime", "workingLocation"];
const RESPONSES = ["needsAction", "declined", "tentative", "accepted"];

/** Fields a client writes; everything else (id, etag, updated, organizer, htmlLink…) is the server's. */
const WRITABLE = [
  "summary",
  "description",
  "location",
  "start",
  "end",
  "status",
  "transparency",
  "visibility",
  "eventType",
  "recurrence",
  "attendees",
  "extendedProperties",
  "conferenceData",
  "reminders",
  "colorId",
  "guestsCanInviteOthers",
  "guestsCanModify",
  "guestsCanSeeOtherGuests",
  "anyoneCanAddSelf",
  "source",
  "attachments",
  "outOfOfficeProperties",
  "focusTimeProperties",
  "workingLocationProperties",
  "endTimeUnspecified",
  "locked",
  "sequence",
] as const;

/** Fields an attendee may change on their copy without being the organizer. */
const ATTENDEE_WRITABLE = new Set([
  "attendees",
  "reminders",
  "colorId",
  "transparency",
  "extendedProperties",
]);

export interface WriteOptions {
  conferenceDataVersion?: number;
  /**
   * The write comes from Google's own UI or a Calendar-conferencing Marketplace add-on (the control API,
   * or a client listed in `addOnClientIds`): only such writes may carry `addOn` conference data.
   */
  fromAddOn?: boolean;
  /** Client-chosen id (events.insert `id`). */
  id?: string;
}

const bad = (message: string, reason = "invalid") => invalidArgument(message, reason);

export const forbidden = (message: string, reason = "forbidden") =>
  new ApiError({ code: 403, status: "PERMISSION_DENIED", message, reason });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---- times ------------------------------------------------------------------------------------

interface ParsedTime {
  stored: Record<string, unknown>;
  moment: Moment;
}

function parseTime(raw: unknown, which: "start" | "end", calendar: Calendar, recurring: boolean): ParsedTime {
  if (!isObject(raw)) throw bad(which === "start" ? "Missing start time." : "Missing end time.", "required");
  const tz = typeof raw.timeZone === "string" && raw.timeZone !== "" ? raw.timeZone : undefined;
  if (tz !== undefined && !isValidTimeZone(tz)) throw bad(`Invalid time zone definition for ${which} time.`);
  if (typeof raw.date === "string" && raw.date !== "") {
    if (raw.dateTime) throw bad(`Invalid ${which} time.`);
    const d = parseDate(raw.date);
    if (!d) throw bad(`Invalid ${which} time.`);
    const ms = zonedToUtc({ ...d, hour: 0, minute: 0, second: 0 }, calendar.timeZone);
    return { stored: { date: raw.date, ...(tz ? { timeZone: tz } : {}) }, moment: { ms, date: raw.date } };
  }
  if (typeof raw.dateTime !== "string" || raw.dateTime === "") {
    throw bad(which === "start" ? "Missing start time." : "Missing end time.", "required");
  }
  if (recurring && !tz) throw bad(`Missing time zone definition for ${which} time.`, "required");
  const ms = parseDateTime(raw.dateTime, tz);
  if (ms === undefined) {
    if (!tz && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(raw.dateTime)) {
      throw bad(`Missing time zone definition for ${which} time.`, "required");
    }
    throw bad(`Invalid ${which} time.`);
  }
  return {
    stored: { dateTime: raw.dateTime, ...(tz ? { timeZone: tz } : {}) },
    moment: { ms, ...(tz ? { timeZone: tz } : {}) },
  };
}

// ---- validation ---------------------------------------------------------------------------------

function validateEnum(body: Record<string, unknown>, field: string, allowed: string[]): void {
  const v = body[field];
  if (v === undefined || v === null) return;
  if (typeof v !== "string" || !allowed.includes(v)) throw bad(`Invalid value for: ${field}`);
}

function normaliseAttendees(
  raw: unknown,
  organizerEmail: string,
): Array<Record<string, unknown>> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw bad("Invalid attendees.");
  const seen = new Set<string>();
  const out: Array<Record<string, unknown>> = [];
  for (const a of raw) {
    if (!isObject(a) || typeof a.email !== "string" || !a.email.includes("@"))
      throw bad("Missing attendee email.", "required");
    const email = a.email.toLowerCase();
    if (seen.has(email)) continue;
    seen.add(email);
    const status = a.responseStatus ?? (email === organizerEmail ? "accepted" : "needsAction");
    if (typeof status !== "string" || !RESPONSES.includes(status))
      throw bad("Invalid attendee response status.");
    const entry: Record<string, unknown> = { email, responseStatus: status };
    for (const k of ["displayName", "optional", "comment", "additionalGuests", "resource"])
      if (a[k] !== undefined) entry[k] = a[k];
    if (email === organizerEmail) entry.organizer = true;
    out.push(entry);
  }
  return out;
}

function validateExtendedProperties(raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!isObject(raw)) throw bad("Invalid extendedProperties.");
  for (const scope of ["private", "shared"]) {
    const props = raw[scope];
    if (props === undefined) continue;
    if (!isObject(props) || Object.values(props).some((v) => typeof v !== "string"))
      throw bad(`Invalid extendedProperties.${scope}.`);
  }
}

// ---- conference data ------------------------------------------------------------------------------

function applyConference(
  body: Record<string, unknown>,
  incoming: unknown,
  version: number,
  existing: EventRecord | undefined,
  fromAddOn: boolean,
): { pending: boolean } {
  const prior = existing?.body.conferenceData;
  if (version < 1 || incoming === undefined) {
    // At version 0 conference data in the request is ignored; what the event had stays.
    if (prior !== undefined) body.conferenceData = prior;
    else delete body.conferenceData;
    return { pending: existing?.conferencePending === true };
  }
  if (incoming === null) {
    delete body.conferenceData;
    return { pending: false };
  }
  if (!isObject(incoming)) throw bad("Invalid conference data.");
  const create = incoming.createRequest;
  if (isObject(create) && !Array.isArray(incoming.entryPoints)) {
    const key = isObject(create.conferenceSolutionKey) ? create.conferenceSolutionKey.type : undefined;
    if (key !== "hangoutsMeet") throw bad("Invalid conference type value.");
    const requestId = typeof create.requestId === "string" ? create.requestId : "";
    if (!requestId) throw bad("Missing conference request id.", "required");
    if (isObject(prior) && isObject(prior.createRequest) && prior.createRequest.requestId === requestId) {
      body.conferenceData = prior; // the same request id is idempotent
      return { pending: existing?.conferencePending === true };
    }
    body.conferenceData = {
      createRequest: {
        requestId,
        conferenceSolutionKey: { type: "hangoutsMeet" },
        status: { statusCode: "pending" },
      },
    };
    return { pending: true };
  }
  // A copy of existing conference data (e.g. from another event). Rules from the ConferenceData /
  // EntryPoint schema (calendar v3 reference) and openclaw/gogcli#590's live matrix.
  const entryPoints = incoming.entryPoints;
  if (!Array.isArray(entryPoints) || entryPoints.length === 0) throw bad("Invalid conference data.");
  const perType = new Map<string, number>();
  for (const ep of entryPoints) {
    if (
      !isObject(ep) ||
      !["video", "phone", "sip", "more"].includes(String(ep.entryPointType)) ||
      typeof ep.uri !== "string"
    ) {
      throw bad("Invalid conference entry point.");
    }
    const type = String(ep.entryPointType);
    perType.set(type, (perType.get(type) ?? 0) + 1);
    // "Calendar backend will populate this field only for EntryPointType.PHONE" [U: refused, the harsher reading].
    if (ep.regionCode !== undefined && type !== "phone") throw bad("Invalid conference entry point.");
  }
  // Zero or one video, sip and more entry point; a conference with only a `more` entry point is invalid.
  if ((perType.get("video") ?? 0) > 1 || (perType.get("sip") ?? 0) > 1 || (perType.get("more") ?? 0) > 1)
    throw bad("Invalid conference data.");
  if (perType.size === 1 && perType.has("more")) throw bad("Invalid conference data.");
  const solutionType =
    isObject(incoming.conferenceSolution) && isObject(incoming.conferenceSolution.key)
      ? incoming.conferenceSolution.key.type
      : undefined;
  if (solutionType === undefined) {
    // gogcli#590: without key.type the write succeeds and the conference data is silently dropped.
    if (prior !== undefined) body.conferenceData = prior;
    else delete body.conferenceData;
    return { pending: existing?.conferencePending === true };
  }
  if (!["hangoutsMeet", "addOn", "eventHangout", "eventNamedHangout"].includes(String(solutionType))) {
    throw bad("Invalid conference type value.");
  }
  // gogcli#590: addOn conference data from a client that is not a Calendar-conferencing Marketplace
  // add-on → 400 "Invalid conference data", whatever else it carries (scriptId, passcode, notes).
  if (solutionType === "addOn" && !fromAddOn) throw bad("Invalid conference data");
  body.conferenceData = structuredClone(incoming);
  return { pending: false };
}

/** Event descriptions are capped near 8,192 characters [U: Nylas "Event Description Limits",
 * rjhorniii/ical2org#16]; the harsher reading: a longer one is refused with 400. */
export function checkDescription(state: SimState, input: Record<string, unknown>): void {
  const max = calendarSettings(state).descriptionMaxChars;
  const d = input.description;
  if (max !== null && typeof d === "string" && d.length > max)
    throw bad(`The description is too long (${d.length} characters; the maximum is ${max}).`);
}

function meetCode(): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const pick = (n: number) =>
    Array.from(randomBytes(n))
      .map((b) => letters[b % 26])
      .join("");
  return `${pick(3)}-${pick(4)}-${pick(3)}`;
}

/** pending → success: the Meet link exists now. */
export function settleConference(state: SimState, record: EventRecord): void {
  if (!record.conferencePending || record.deleted) return;
  const cd = record.body.conferenceData;
  if (!isObject(cd) || !isObject(cd.createRequest)) {
    record.conferencePending = false;
    return;
  }
  const code = meetCode();
  const pin = String(100_000_000 + Math.floor(Math.random() * 899_999_999));
  record.body.conferenceData = {
    createRequest: { ...cd.createRequest, status: { statusCode: "success" } },
    entryPoints: [
      { entryPointType: "video", uri: `https://meet.google.com/${code}`, label: `meet.google.com/${code}` },
      {
        entryPointType: "phone",
        uri: "tel:+44-20-3873-7654",
        label: "+44 20 3873 7654",
        pin,
        regionCode: "GB",
      },
      { entryPointType: "more", uri: `https://tel.meet/${code}?pin=${pin}`, pin },
    ],
    conferenceSolution: {
      key: { type: "hangoutsMeet" },
      name: "Google Meet",
      iconUri:
        "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
    },
    conferenceId: code,
  };
  record.conferencePending = false;
  record.updated = state.now();
  record.etag = nextEtag();
  touch(state, record);
}

function scheduleConference(state: SimState, record: EventRecord): void {
  const delay = calendarSettings(state).conferenceCreateDelayMs;
  if (delay > 0) setTimeout(() => settleConference(state, record), delay).unref();
}

/** Pending conferences of a calendar succeed when the calendar is read. */
export function settlePending(state: SimState, calendar: Calendar): void {
  for (const r of calendar.entries.values()) if (r.conferencePending) settleConference(state, r);
}

// ---- building a record from a request body -------------------------------------------------------

interface Built {
  body: Record<string, unknown>;
  start: Moment;
  end: Moment;
  pending: boolean;
}

function build(
  calendar: Calendar,
  input: Record<string, unknown>,
  existing: EventRecord | undefined,
  opts: WriteOptions,
  organizerEmail: string,
): Built {
  const body: Record<string, unknown> = {};
  for (const k of WRITABLE)
    if (input[k] !== undefined && input[k] !== null) body[k] = structuredClone(input[k]);
  validateEnum(body, "status", STATUSES);
  validateEnum(body, "transparency", TRANSPARENCIES);
  validateEnum(body, "visibility", VISIBILITIES);
  const type = (body.eventType as string | undefined) ?? existing?.body.eventType ?? "default";
  if (existing) {
    const before = (existing.body.eventType as string | undefined) ?? "default";
    if (type !== before) throw bad("Event type cannot be changed.", "eventTypeRestriction");
  } else if (!CREATABLE_TYPES.includes(String(type))) {
    throw bad(
      type === "fromGmail" || type === "birthday"
        ? `Events of type ${type} cannot be created using the API.`
        : "Invalid event type.",
      "eventTypeRestriction",
    );
  }
  if (type !== "default" && !calendar.primary)
    throw bad(`${type} events can only be created on the primary calendar.`, "eventTypeRestriction");
  body.eventType = type;
  const recurrence = body.recurrence;
  const recurring = Array.isArray(recurrence) && recurrence.length > 0;
  if (recurrence !== undefined && !Array.isArray(recurrence)) throw bad("Invalid recurrence rule.");
  if (recurring && existing?.recurringEventId)
    throw bad("An exception of a recurring event cannot itself recur.");
  const start = parseTime(body.start, "start", calendar, recurring);
  const end = parseTime(body.end, "end", calendar, recurring);
  if ((start.moment.date === undefined) !== (end.moment.date === undefined)) {
    throw bad("Start and end times must either both be date or both be dateTime.");
  }
  if (end.moment.ms <= start.moment.ms) throw bad("The specified time range is empty.", "timeRangeEmpty");
  body.start = start.stored;
  body.end = end.stored;
  if (recurring) {
    try {
      parseRecurrence(recurrence as string[], start.moment.timeZone);
    } catch (err) {
      if (err instanceof RecurrenceError) throw bad("Invalid recurrence rule.");
      throw err;
    }
  } else delete body.recurrence;
  const attendees = normaliseAttendees(body.attendees, organizerEmail);
  if (attendees) body.attendees = attendees;
  validateExtendedProperties(body.extendedProperties);
  const { pending } = applyConference(
    body,
    input.conferenceData,
    opts.conferenceDataVersion ?? 0,
    existing,
    opts.fromAddOn === true,
  );
  return { body, start: start.moment, end: end.moment, pending };
}

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(target);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k]) && k !== "start" && k !== "end" && k !== "conferenceData") {
      out[k] = deepMerge(out[k] as Record<string, unknown>, v);
    } else out[k] = structuredClone(v);
  }
  return out;
}

// ---- lookup ------------------------------------------------------------------------------------------

export interface Located {
  record: EventRecord;
  /** Set when the id named a not-yet-materialised instance of a series. */
  instanceOf?: EventRecord;
}

const INSTANCE_ID = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/;

/** Finds an event or an instance of a recurring event by id in a calendar. */
export function locate(state: SimState, calendar: Calendar, eventId: string): Located | undefined {
  const direct = calendar.entries.get(eventId);
  if (direct) return { record: direct };
  const m = INSTANCE_ID.exec(eventId);
  if (!m) return undefined;
  const master = calendar.entries.get(m[1]!);
  if (!master || !Array.isArray(master.body.recurrence)) return undefined;
  const instance = instanceById(state, calendar, master, eventId);
  return instance ? { record: instance, instanceOf: master } : undefined;
}

function instanceById(
  state: SimState,
  calendar: Calendar,
  master: EventRecord,
  id: string,
): EventRecord | undefined {
  const suffix = id.slice(master.id.length + 1);
  const allDay = master.start.date !== undefined;
  let targetMs: number;
  if (allDay) {
    const d = parseDate(`${suffix.slice(0, 4)}-${suffix.slice(4, 6)}-${suffix.slice(6, 8)}`);
    if (!d) return undefined;
    targetMs = zonedToUtc({ ...d, hour: 0, minute: 0, second: 0 }, calendar.timeZone);
  } else {
    const iso = `${suffix.slice(0, 4)}-${suffix.slice(4, 6)}-${suffix.slice(6, 8)}T${suffix.slice(9, 11)}:${suffix.slice(11, 13)}:${suffix.slice(13, 15)}Z`;
    const ms = parseDateTime(iso, "UTC");
    if (ms === undefined) return undefined;
    targetMs = ms;
  }
  const occ = occurrences(state, calendar, master, targetMs, targetMs + 1).find(
    (o) => o.start.ms === targetMs,
  );
  return occ;
}

// ---- series expansion ----------------------------------------------------------------------------------

/** Virtual instances of a series (not its exceptions) that start in [fromMs, toMs). */
export function occurrences(
  state: SimState,
  calendar: Calendar,
  master: EventRecord,
  fromMs: number,
  toMs: number,
): EventRecord[] {
  const recurrenceLines = master.body.recurrence;
  if (!Array.isArray(recurrenceLines)) return [];
  const allDay = master.start.date !== undefined;
  const tz = allDay ? calendar.timeZone : (master.start.timeZone ?? calendar.timeZone);
  const rec = parseRecurrence(recurrenceLines as string[], tz);
  const dtstart = allDay
    ? { ...parseDate(master.start.date!)!, hour: 0, minute: 0, second: 0 }
    : localParts(master.start.ms, tz);
  const duration = master.end.ms - master.start.ms;
  const allDayDays = allDay
    ? dayNumber(parseDate(master.end.date!)!) - dayNumber(parseDate(master.start.date!)!)
    : 0;
  const out: EventRecord[] = [];
  const limit = Math.max(toMs, fromMs);
  for (const o of expandRecurrence({ recurrence: rec, dtstart, timeZone: tz, allDay, untilMs: limit })) {
    if (o.startMs + duration <= fromMs && !(o.startMs === fromMs)) continue;
    const id = `${master.id}_${instanceSuffix(o, allDay)}`;
    const start: Moment = allDay
      ? { ms: o.startMs, date: formatDate(fromDayNumber(o.day)) }
      : { ms: o.startMs, ...(master.start.timeZone ? { timeZone: master.start.timeZone } : {}) };
    const end: Moment = allDay
      ? {
          ms: zonedToUtc(
            { ...fromDayNumber(o.day + allDayDays), hour: 0, minute: 0, second: 0 },
            calendar.timeZone,
          ),
          date: formatDate(fromDayNumber(o.day + allDayDays)),
        }
      : { ms: o.startMs + duration, ...(master.end.timeZone ? { timeZone: master.end.timeZone } : {}) };
    const { recurrence: _r, ...body } = master.body;
    out.push({
      ...master,
      id,
      body: { ...body, start: timeBody(start), end: timeBody(end) },
      start,
      end,
      recurringEventId: master.id,
      originalStart: start,
    });
  }
  void state;
  return out;
}

/** How far to expand a series when the request gives no timeMax: all of a finite series, else a horizon. */
export function expansionLimit(state: SimState, record: EventRecord): number {
  const lines = record.body.recurrence;
  if (!Array.isArray(lines)) return record.end.ms;
  const rules = (lines as string[]).filter((l) => /^RRULE:/i.test(l));
  const finite = rules.every((l) => /(COUNT|UNTIL)=/i.test(l));
  return finite
    ? Number.POSITIVE_INFINITY
    : Math.max(state.now(), record.start.ms) + calendarSettings(state).openSeriesHorizonMs;
}

function timeBody(m: Moment): Record<string, unknown> {
  if (m.date !== undefined) return { date: m.date };
  return { dateTime: new Date(m.ms).toISOString(), ...(m.timeZone ? { timeZone: m.timeZone } : {}) };
}

// ---- writes ------------------------------------------------------------------------------------------------

function requireWriter(role: AccessRole): void {
  if (ROLE_RANK[role] < ROLE_RANK.writer)
    throw forbidden("You need to have writer access to this calendar.", "requiredAccessLevel");
}

export function insertEvent(
  state: SimState,
  calendar: Calendar,
  actorEmail: string,
  role: AccessRole,
  input: Record<string, unknown>,
  opts: WriteOptions = {},
): EventRecord {
  requireWriter(role);
  const id = opts.id ?? (typeof input.id === "string" ? input.id : undefined);
  if (id !== undefined) {
    if (!/^[a-v0-9]{5,1024}$/.test(id)) throw bad("Invalid resource id value.");
    if (calendar.entries.has(id)) {
      throw new ApiError({
        code: 409,
        status: "ALREADY_EXISTS",
        message: "The requested identifier already exists.",
        reason: "duplicate",
      });
    }
  }
  const organizerEmail = calendar.ownerEmail;
  checkDescription(state, input);
  const built = build(calendar, input, undefined, opts, organizerEmail);
  if (built.body.status === "cancelled") throw bad("Cannot create a cancelled event.");
  const now = state.now();
  const eventId = id ?? newEventId();
  const record: EventRecord = {
    id: eventId,
    iCalUID: typeof input.iCalUID === "string" ? input.iCalUID : `${eventId}@google.com`,
    body: built.body,
    organizerEmail,
    organizerCalendarId: calendar.id,
    creatorEmail: actorEmail,
    created: now,
    updated: now,
    etag: nextEtag(),
    sequence: typeof input.sequence === "number" ? input.sequence : 0,
    deleted: false,
    start: built.start,
    end: built.end,
    calendarIds: new Set([calendar.id]),
    ...(built.pending ? { conferencePending: true } : {}),
  };
  calendar.entries.set(record.id, record);
  syncAttendeeCopies(state, record, []);
  touch(state, record);
  if (built.pending) scheduleConference(state, record);
  return record;
}

/** events.patch (merge) or events.update (replace); on an instance id, creates or edits the exception. */
export function modifyEvent(
  state: SimState,
  calendar: Calendar,
  eventId: string,
  actorEmail: string,
  role: AccessRole,
  input: Record<string, unknown>,
  mode: "patch" | "update",
  opts: WriteOptions = {},
): EventRecord {
  requireWriter(role);
  const found = locate(state, calendar, eventId);
  if (!found || found.record.deleted || calendar.removed.has(found.record.id)) throw notFound("Not Found");
  let record = found.record;
  if (found.instanceOf) record = materialiseException(state, found.instanceOf, record, state.now());
  if (input.status === "cancelled" && record.organizerCalendarId === calendar.id) {
    deleteEvent(state, calendar, eventId, actorEmail, role);
    return record;
  }
  const organizerView = record.organizerCalendarId === calendar.id;
  if (!organizerView) {
    const changes = mode === "patch" ? Object.keys(input) : WRITABLE.filter((k) => input[k] !== undefined);
    const shared = changes.filter(
      (k) =>
        !ATTENDEE_WRITABLE.has(k) &&
        !["id", "start", "end", "summary", "eventType", "kind", "etag"].includes(k),
    );
    if (shared.length > 0 || changedShared(record, input)) {
      throw forbidden(
        "Shared properties can only be changed by the organizer of the event.",
        "forbiddenForNonOrganizer",
      );
    }
    // The attendee may only change their own response.
    const mine = Array.isArray(input.attendees)
      ? (input.attendees as Array<Record<string, unknown>>).find(
          (a) => String(a.email).toLowerCase() === calendar.ownerEmail || a.self === true,
        )
      : undefined;
    if (mine && typeof mine.responseStatus === "string")
      setResponse(state, record, calendar.ownerEmail, mine.responseStatus);
    return record;
  }
  const merged = mode === "patch" ? deepMerge(record.body, input) : { ...input };
  if (mode === "update" && merged.eventType === undefined) merged.eventType = record.body.eventType;
  if (mode === "patch" && input.conferenceData === undefined) delete merged.conferenceData;
  if (mode === "patch" && input.conferenceData !== undefined) merged.conferenceData = input.conferenceData;
  if (mode === "update" && input.conferenceData === undefined) delete merged.conferenceData;
  checkDescription(state, merged);
  const built = build(calendar, merged, record, opts, record.organizerEmail);
  const previousAttendees = attendeeEmails(record);
  const timeChanged = built.start.ms !== record.start.ms || built.end.ms !== record.end.ms;
  record.body = built.body;
  record.start = built.start;
  record.end = built.end;
  if (record.recurringEventId) delete record.body.recurrence;
  record.updated = state.now();
  record.etag = nextEtag();
  if (timeChanged) record.sequence++;
  if (built.pending && !record.conferencePending) {
    record.conferencePending = true;
    scheduleConference(state, record);
  }
  const removedFrom = syncAttendeeCopies(state, record, previousAttendees);
  touch(state, record, removedFrom);
  return record;
}

function changedShared(record: EventRecord, input: Record<string, unknown>): boolean {
  for (const k of ["start", "end", "summary"]) {
    if (input[k] !== undefined && JSON.stringify(input[k]) !== JSON.stringify(record.body[k])) {
      if (k === "summary") return true;
      const parsed = input[k] as Record<string, unknown>;
      const cur = record.body[k] as Record<string, unknown>;
      if (parsed.date !== cur.date) return true;
      if (parsed.dateTime !== undefined) {
        const ms = parseDateTime(
          String(parsed.dateTime),
          (parsed.timeZone as string | undefined) ?? (cur.timeZone as string | undefined),
        );
        if (ms !== (k === "start" ? record.start.ms : record.end.ms)) return true;
      }
    }
  }
  return false;
}

function materialiseException(
  state: SimState,
  master: EventRecord,
  instance: EventRecord,
  now: number,
): EventRecord {
  const exception: EventRecord = {
    ...instance,
    body: structuredClone(instance.body),
    calendarIds: new Set(master.calendarIds),
    created: now,
    updated: now,
    etag: nextEtag(),
  };
  delete exception.conferencePending;
  // Every copy of the series gets the exception.
  for (const calId of master.calendarIds) findCalendar(state, calId)?.entries.set(exception.id, exception);
  return exception;
}

export function deleteEvent(
  state: SimState,
  calendar: Calendar,
  eventId: string,
  actorEmail: string,
  role: AccessRole,
): void {
  requireWriter(role);
  const found = locate(state, calendar, eventId);
  if (!found || calendar.removed.has(found.record.id)) throw notFound("Not Found");
  if (found.record.deleted) {
    throw new ApiError({
      code: 410,
      status: "FAILED_PRECONDITION",
      message: "Resource has been deleted",
      reason: "deleted",
    });
  }
  let record = found.record;
  if (found.instanceOf) record = materialiseException(state, found.instanceOf, record, state.now());
  void actorEmail;
  if (record.organizerCalendarId !== calendar.id) {
    // An attendee removing the event from their calendar declines it.
    calendar.removed.add(record.id);
    setResponse(state, record, calendar.ownerEmail, "declined", [calendar]);
    return;
  }
  const now = state.now();
  const cancel = (r: EventRecord) => {
    r.deleted = true;
    r.body.status = "cancelled";
    r.updated = now;
    r.etag = nextEtag();
    delete r.conferencePending;
  };
  cancel(record);
  const extra: Calendar[] = [];
  if (Array.isArray(record.body.recurrence)) {
    for (const calId of record.calendarIds) {
      const cal = findCalendar(state, calId);
      if (!cal) continue;
      for (const r of cal.entries.values()) {
        if (r.recurringEventId === record.id && !r.deleted) {
          cancel(r);
          touch(state, r);
        }
      }
      extra.push(cal);
    }
  }
  touch(state, record, extra);
}

/** An attendee answers (accepted / declined / tentative / needsAction); every copy sees it. */
export function setResponse(
  state: SimState,
  record: EventRecord,
  email: string,
  status: string,
  extra: Calendar[] = [],
): void {
  if (!RESPONSES.includes(status)) throw bad("Invalid attendee response status.");
  const attendees = record.body.attendees as Array<Record<string, unknown>> | undefined;
  const me = attendees?.find((a) => a.email === email);
  if (!me) throw forbidden("The user is not an attendee of this event.");
  me.responseStatus = status;
  record.updated = state.now();
  record.etag = nextEtag();
  touch(state, record, extra);
}

function attendeeEmails(record: EventRecord): string[] {
  const list = record.body.attendees;
  return Array.isArray(list) ? (list as Array<Record<string, unknown>>).map((a) => String(a.email)) : [];
}

/**
 * Puts the event (and the series' exceptions) into the primary calendar of every attendee who is a
 * simulator user, and takes it out of the calendars of attendees who were removed. Returns those.
 */
function syncAttendeeCopies(state: SimState, record: EventRecord, previous: string[]): Calendar[] {
  if (record.recurringEventId) return [];
  const now = state.now();
  const current = new Set(attendeeEmails(record));
  const removed: Calendar[] = [];
  for (const email of current) {
    if (email === record.organizerEmail) continue;
    const found = state.findUser(email);
    if (!found || found.user.deletionTime !== undefined) continue;
    const cal = primaryCalendar(found.org, found.user, now);
    if (cal.id === record.organizerCalendarId) continue;
    record.calendarIds.add(cal.id);
    cal.entries.set(record.id, record);
    cal.removed.delete(record.id);
    for (const e of exceptionsOf(state, record)) {
      e.calendarIds.add(cal.id);
      cal.entries.set(e.id, e);
    }
  }
  for (const email of previous) {
    if (current.has(email)) continue;
    const cal = findCalendar(state, email);
    if (!cal || cal.id === record.organizerCalendarId || !record.calendarIds.has(cal.id)) continue;
    cal.removed.add(record.id);
    for (const e of exceptionsOf(state, record)) cal.removed.add(e.id);
    removed.push(cal);
  }
  return removed;
}

function exceptionsOf(state: SimState, master: EventRecord): EventRecord[] {
  if (!Array.isArray(master.body.recurrence)) return [];
  const organizerCal = findCalendar(state, master.organizerCalendarId);
  return organizerCal
    ? [...organizerCal.entries.values()].filter((e) => e.recurringEventId === master.id)
    : [];
}

// ---- rendering -------------------------------------------------------------------------------------------------

export type Detail = "full" | "busy";

/** How much of an event a viewer sees, from their access to the calendar and the event's visibility. */
export function detailFor(role: AccessRole, record: EventRecord, viewerEmail: string): Detail {
  if (role === "owner" || role === "writer") return "full";
  if (record.organizerEmail === viewerEmail || attendeeEmails(record).includes(viewerEmail)) return "full";
  const visibility = (record.body.visibility as string | undefined) ?? "default";
  if (role === "reader") return visibility === "private" || visibility === "confidential" ? "busy" : "full";
  return visibility === "public" ? "full" : "busy";
}

export function isCancelledIn(calendar: Calendar, record: EventRecord): boolean {
  return record.deleted || record.body.status === "cancelled" || calendar.removed.has(record.id);
}

function renderTime(m: Moment, zone: string): Record<string, unknown> {
  if (m.date !== undefined) return { date: m.date };
  return {
    dateTime: formatRfc3339(m.ms, m.timeZone ?? zone),
    ...(m.timeZone ? { timeZone: m.timeZone } : {}),
  };
}

function htmlLink(id: string, calendarId: string): string {
  return `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendarId}`).toString("base64url")}`;
}

export interface RenderContext {
  calendar: Calendar;
  /** Zone for dateTime values of events without their own (events.list `timeZone`, else the calendar's). */
  zone: string;
  detail: Detail;
}

/** A deleted event: only what Google guarantees (id; plus recurringEventId/originalStartTime for a cancelled instance). */
export function renderTombstone(
  record: EventRecord,
  ctx: Pick<RenderContext, "zone">,
): Record<string, unknown> {
  return {
    kind: "calendar#event",
    etag: `"${record.etag}"`,
    id: record.id,
    status: "cancelled",
    ...(record.recurringEventId && record.originalStart
      ? {
          recurringEventId: record.recurringEventId,
          originalStartTime: renderTime(record.originalStart, ctx.zone),
        }
      : {}),
  };
}

export function renderEvent(record: EventRecord, ctx: RenderContext): Record<string, unknown> {
  const { calendar, zone } = ctx;
  const owner = calendar.ownerEmail;
  const common: Record<string, unknown> = {
    kind: "calendar#event",
    etag: `"${record.etag}"`,
    id: record.id,
    status: (record.body.status as string | undefined) ?? "confirmed",
  };
  const series =
    record.recurringEventId && record.originalStart
      ? {
          recurringEventId: record.recurringEventId,
          originalStartTime: renderTime(record.originalStart, zone),
        }
      : {};
  if (ctx.detail === "busy") {
    return {
      ...common,
      updated: new Date(record.updated).toISOString(),
      start: renderTime(record.start, zone),
      end: renderTime(record.end, zone),
      ...(record.body.transparency ? { transparency: record.body.transparency } : {}),
      ...(record.body.visibility && record.body.visibility !== "default"
        ? { visibility: record.body.visibility }
        : {}),
      ...series,
    };
  }
  const b = record.body;
  const out: Record<string, unknown> = {
    ...common,
    htmlLink: htmlLink(record.id, calendar.id),
    created: new Date(record.created).toISOString(),
    updated: new Date(record.updated).toISOString(),
  };
  for (const k of ["summary", "description", "location", "colorId"]) if (b[k] !== undefined) out[k] = b[k];
  out.creator = { email: record.creatorEmail, ...(record.creatorEmail === owner ? { self: true } : {}) };
  out.organizer = {
    email: record.organizerEmail,
    ...(record.organizerEmail === owner ? { self: true } : {}),
  };
  out.start = renderTime(record.start, zone);
  out.end = renderTime(record.end, zone);
  if (b.endTimeUnspecified) out.endTimeUnspecified = true;
  if (Array.isArray(b.recurrence)) out.recurrence = b.recurrence;
  Object.assign(out, series);
  for (const k of ["transparency", "visibility"]) if (b[k] !== undefined) out[k] = b[k];
  out.iCalUID = record.iCalUID;
  out.sequence = record.sequence;
  if (Array.isArray(b.attendees)) {
    out.attendees = (b.attendees as Array<Record<string, unknown>>).map((a) => ({
      ...a,
      ...(a.email === owner ? { self: true } : {}),
    }));
  }
  for (const k of [
    "extendedProperties",
    "guestsCanInviteOthers",
    "guestsCanModify",
    "guestsCanSeeOtherGuests",
    "anyoneCanAddSelf",
    "source",
    "attachments",
    "locked",
  ]) {
    if (b[k] !== undefined) out[k] = b[k];
  }
  const cd = b.conferenceData as Record<string, unknown> | undefined;
  if (cd) {
    out.conferenceData = cd;
    const video = (cd.entryPoints as Array<Record<string, unknown>> | undefined)?.find(
      (e) => e.entryPointType === "video",
    );
    if (
      video &&
      (cd.conferenceSolution as Record<string, Record<string, unknown>> | undefined)?.key?.type ===
        "hangoutsMeet"
    )
      out.hangoutLink = video.uri;
  }
  out.reminders = b.reminders ?? { useDefault: true };
  out.eventType = b.eventType ?? "default";
  for (const k of ["outOfOfficeProperties", "focusTimeProperties", "workingLocationProperties"])
    if (b[k] !== undefined) out[k] = b[k];
  return out;
}
