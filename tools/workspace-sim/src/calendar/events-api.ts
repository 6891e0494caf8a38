// events.list / get / insert / patch / update / delete / instances, calendarList.list, calendars.get.
// events.list implements Google's incremental sync: nextSyncToken on the last page only, tombstones for
// deletions, 400 for parameters forbidden with a sync token, 410 fullSyncRequired for expired or
// invalidated tokens.
import { randomBytes } from "node:crypto";
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import type { SimState } from "../state";
import {
  deleteEvent,
  detailFor,
  expansionLimit,
  insertEvent,
  isCancelledIn,
  locate,
  modifyEvent,
  occurrences,
  renderEvent,
  renderTombstone,
  settlePending,
} from "./events";
import {
  type AccessRole,
  type AclViewer,
  accessRole,
  type Calendar,
  type EventRecord,
  findCalendar,
  orgCalendars,
  primaryCalendar,
  viewerOf,
} from "./model";
import { calendarSettings } from "./settings";
import { isValidTimeZone, parseDateTime } from "./tz";

export interface Resolved {
  calendar: Calendar;
  role: AccessRole;
  viewer: AclViewer;
}

/** Resolves `calendarId` ("primary" or an id) for the caller; 404 when it does not exist or is not visible. */
export function resolveCalendar(ctx: ApiContext, calendarId: string): Resolved {
  const { org, user } = callerUser(ctx);
  const viewer = viewerOf(org, user);
  const calendar =
    calendarId === "primary"
      ? primaryCalendar(org, user, ctx.state.now())
      : findCalendar(ctx.state, calendarId);
  if (!calendar) throw notFound("Not Found");
  const role = accessRole(ctx.state, calendar, viewer);
  if (role === "none") throw notFound("Not Found");
  return { calendar, role, viewer };
}

// ---- sync tokens and page tokens ----------------------------------------------------------------

interface CalendarSyncToken {
  /** The eventTypes filter of the full sync; incremental syncs keep it. */
  eventTypes?: string[];
  calendarId: string;
  viewer: string;
  seq: number;
  epoch: number;
  fullSyncAt: number;
  singleEvents: boolean;
  windowMin?: number;
  windowMax?: number;
}

interface PageState {
  calendarId: string;
  viewer: string;
  items: Record<string, unknown>[];
  offset: number;
  syncToken: string;
}

interface Tokens {
  syncs: Map<string, CalendarSyncToken>;
  pages: Map<string, PageState>;
}

const tokensBySim = new WeakMap<SimState, Tokens>();

function tokens(state: SimState): Tokens {
  let t = tokensBySim.get(state);
  if (!t) {
    t = { syncs: new Map(), pages: new Map() };
    tokensBySim.set(state, t);
  }
  return t;
}

const fullSyncRequired = () =>
  new ApiError({
    code: 410,
    status: "FAILED_PRECONDITION",
    message: "Sync token is no longer valid, a full sync is required.",
    reason: "fullSyncRequired",
    // calendar/api/guides/errors; KeepSoftwareSimple/compass-calendar#1239 logged the same from Google.
    domain: "calendar",
    locationType: "parameter",
    location: "syncToken",
  });

const FORBIDDEN_WITH_SYNC = [
  "iCalUID",
  "orderBy",
  "privateExtendedProperty",
  "q",
  "sharedExtendedProperty",
  "timeMin",
  "timeMax",
  "updatedMin",
];

const EVENT_TYPES = ["birthday", "default", "focusTime", "fromGmail", "outOfOffice", "workingLocation"];

/**
 * `eventTypes` on events.list and events.watch: only events of these types ("If unset, returns all
 * event types": events.list reference; calendar guides/calendar-status). Undefined = every type.
 */
export function eventTypesParam(q: URLSearchParams): string[] | undefined {
  const types = q.getAll("eventTypes");
  if (types.length === 0) return undefined;
  for (const t of types)
    if (!EVENT_TYPES.includes(t)) throw invalidArgument(`Invalid value for: eventTypes`, "invalid");
  return types;
}

export const ofTypes = (record: EventRecord, types: string[] | undefined) =>
  types === undefined || types.includes(String(record.body.eventType ?? "default"));

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalidArgument(`Invalid boolean value for ${name}: ${v}`, "invalid");
}

function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  // Must carry an offset; the zone-less form is refused.
  const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? parseDateTime(v, undefined) : undefined;
  if (ms === undefined) throw invalidArgument("Bad Request", "badRequest");
  return ms;
}

function intParam(q: URLSearchParams, name: string, dflt: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw invalidArgument(`Invalid value '${v}'. Values must be within the range: [1, ${max}]`, "invalid");
  return Math.min(n, max); // "The page size can never be larger than 2500 events."
}

function matchesText(record: EventRecord, q: string): boolean {
  const hay = [
    record.body.summary,
    record.body.description,
    record.body.location,
    record.organizerEmail,
    ...((record.body.attendees as Array<Record<string, unknown>> | undefined) ?? []).flatMap((a) => [
      a.email,
      a.displayName,
    ]),
  ]
    .filter((x) => typeof x === "string")
    .join(" ")
    .toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((term) => hay.includes(term));
}

function matchesProps(record: EventRecord, scope: "private" | "shared", filters: string[]): boolean {
  const props =
    (record.body.extendedProperties as Record<string, Record<string, string>> | undefined)?.[scope] ?? {};
  return filters.every((f) => {
    const eq = f.indexOf("=");
    if (eq < 0) throw invalidArgument(`Invalid ${scope}ExtendedProperty filter: ${f}`, "invalid");
    return props[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

// ---- events.list ------------------------------------------------------------------------------------

export async function listEvents(ctx: ApiContext): Promise<ApiResult> {
  const { state } = ctx;
  const { calendar, role, viewer } = resolveCalendar(ctx, ctx.params.calendarId!);
  const q = ctx.url.searchParams;
  const t = tokens(state);
  settlePending(state, calendar);
  const zoneParam = q.get("timeZone");
  if (zoneParam && !isValidTimeZone(zoneParam))
    throw invalidArgument("Invalid time zone definition.", "invalid");
  const zone = zoneParam ?? calendar.timeZone;
  const maxResults = intParam(q, "maxResults", 250, 2500);

  const pageToken = q.get("pageToken");
  if (pageToken) {
    const page = t.pages.get(pageToken);
    if (!page || page.calendarId !== calendar.id || page.viewer !== viewer.email)
      throw invalidArgument("Invalid page token value.", "invalid");
    t.pages.delete(pageToken);
    return { json: pageResponse(ctx, calendar, role, page, maxResults) };
  }

  const syncTokenValue = q.get("syncToken");
  const singleEvents = boolParam(q, "singleEvents") ?? false;
  const showDeleted = boolParam(q, "showDeleted");
  const requestedTypes = eventTypesParam(q);
  const now = state.now();
  let items: Record<string, unknown>[];
  let token: CalendarSyncToken;
  if (syncTokenValue) {
    const offending = FORBIDDEN_WITH_SYNC.filter((p) => q.has(p));
    if (offending.length > 0 || showDeleted === false) {
      throw new ApiError({
        code: 400,
        status: "INVALID_ARGUMENT",
        message: "Sync token cannot be used with other request restrictions.",
        reason: "syncTokenWithRequestRestrictions",
      });
    }
    const prior = t.syncs.get(syncTokenValue);
    if (!prior) throw fullSyncRequired();
    if (
      prior.calendarId !== calendar.id ||
      prior.viewer !== viewer.email ||
      prior.epoch !== calendar.epoch ||
      now - prior.fullSyncAt > calendarSettings(state).syncTokenLifetimeMs
    ) {
      throw fullSyncRequired();
    }
    const upto = calendar.log.currentSeq;
    items = [];
    const windowMin = prior.windowMin ?? Number.NEGATIVE_INFINITY;
    const types = requestedTypes ?? prior.eventTypes;
    for (const id of calendar.log.changedKeys(prior.seq, upto)) {
      const record = calendar.entries.get(id);
      if (!record || !ofTypes(record, types)) continue;
      if (isCancelledIn(calendar, record)) {
        items.push(renderTombstone(record, { zone }));
        continue;
      }
      if (singleEvents && Array.isArray(record.body.recurrence)) {
        const exceptions = new Set(
          [...calendar.entries.values()].filter((e) => e.recurringEventId === record.id).map((e) => e.id),
        );
        const windowMax = prior.windowMax ?? expansionLimit(state, record);
        for (const inst of occurrences(state, calendar, record, windowMin, windowMax)) {
          if (!exceptions.has(inst.id))
            items.push(renderEvent(inst, { calendar, zone, detail: detailFor(role, inst, viewer.email) }));
        }
        continue;
      }
      items.push(renderEvent(record, { calendar, zone, detail: detailFor(role, record, viewer.email) }));
    }
    token = { ...prior, seq: upto, ...(types ? { eventTypes: types } : {}) };
  } else {
    const timeMin = timeParam(q, "timeMin");
    const timeMax = timeParam(q, "timeMax");
    if (timeMin !== undefined && timeMax !== undefined && timeMax <= timeMin) {
      throw invalidArgument("The specified time range is empty.", "timeRangeEmpty");
    }
    const orderBy = q.get("orderBy");
    if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated")
      throw invalidArgument(`Invalid value for: orderBy`, "invalid");
    if (orderBy === "startTime" && !singleEvents) {
      throw invalidArgument(
        "The requested ordering is not available for the particular query.",
        "badRequest",
      );
    }
    const updatedMinRaw = q.get("updatedMin");
    const updatedMin = updatedMinRaw ? timeParam(q, "updatedMin") : undefined;
    const text = q.get("q");
    const iCalUID = q.get("iCalUID");
    const privateProps = q.getAll("privateExtendedProperty");
    const sharedProps = q.getAll("sharedExtendedProperty");
    const upto = calendar.log.currentSeq;
    const minMs = timeMin ?? Number.NEGATIVE_INFINITY;
    const maxMs = timeMax ?? Number.POSITIVE_INFINITY;
    const selected: EventRecord[] = [];
    const records = [...calendar.entries.values()];
    for (const record of records) {
      if (!ofTypes(record, requestedTypes)) continue;
      const cancelled = isCancelledIn(calendar, record);
      if (cancelled) {
        // Deleted events only with showDeleted (or updatedMin); cancelled instances of a live series
        // also when showDeleted and singleEvents are both false (documented).
        const liveSeriesException =
          record.recurringEventId !== undefined &&
          !calendar.entries.get(record.recurringEventId)?.deleted &&
          !calendar.removed.has(record.id);
        const show =
          showDeleted === true || updatedMin !== undefined || (liveSeriesException && !singleEvents);
        if (!show) continue;
      }
      if (updatedMin !== undefined && record.updated < updatedMin) continue;
      if (iCalUID && record.iCalUID !== iCalUID) continue;
      if (text && (cancelled || !matchesText(record, text))) continue;
      if (privateProps.length > 0 && !matchesProps(record, "private", privateProps)) continue;
      if (sharedProps.length > 0 && !matchesProps(record, "shared", sharedProps)) continue;
      const recurring = Array.isArray(record.body.recurrence);
      if (recurring && singleEvents && !cancelled) {
        const exceptions = new Set(records.filter((e) => e.recurringEventId === record.id).map((e) => e.id));
        const until = timeMax ?? expansionLimit(state, record);
        for (const inst of occurrences(state, calendar, record, minMs, until)) {
          if (!exceptions.has(inst.id) && inst.end.ms > minMs && inst.start.ms < maxMs) selected.push(inst);
        }
        continue;
      }
      if (recurring && singleEvents && cancelled) {
        selected.push(record);
        continue;
      }
      if (!overlaps(state, calendar, record, minMs, maxMs)) continue;
      selected.push(record);
    }
    if (orderBy === "updated") selected.sort((a, b) => a.updated - b.updated);
    else selected.sort((a, b) => a.start.ms - b.start.ms || a.id.localeCompare(b.id));
    items = selected.map((r) =>
      isCancelledIn(calendar, r)
        ? renderTombstone(r, { zone })
        : renderEvent(r, { calendar, zone, detail: detailFor(role, r, viewer.email) }),
    );
    token = {
      calendarId: calendar.id,
      viewer: viewer.email,
      seq: upto,
      epoch: calendar.epoch,
      fullSyncAt: now,
      singleEvents,
      ...(requestedTypes ? { eventTypes: requestedTypes } : {}),
      ...(timeMin !== undefined ? { windowMin: timeMin } : {}),
      ...(timeMax !== undefined ? { windowMax: timeMax } : {}),
    };
  }
  const syncToken = `C${randomBytes(24).toString("base64")}`;
  t.syncs.set(syncToken, token);
  const page: PageState = { calendarId: calendar.id, viewer: viewer.email, items, offset: 0, syncToken };
  return { json: pageResponse(ctx, calendar, role, page, maxResults) };
}

/** Whether an event (a series: any part of its span) overlaps [min, max). */
function overlaps(
  state: SimState,
  calendar: Calendar,
  record: EventRecord,
  min: number,
  max: number,
): boolean {
  if (min === Number.NEGATIVE_INFINITY && max === Number.POSITIVE_INFINITY) return true;
  if (!Array.isArray(record.body.recurrence)) return record.end.ms > min && record.start.ms < max;
  if (record.start.ms >= max) return false;
  const duration = record.end.ms - record.start.ms;
  return occurrences(state, calendar, record, min - duration, max).some(
    (o) => o.end.ms > min && o.start.ms < max,
  );
}

function pageResponse(
  ctx: ApiContext,
  calendar: Calendar,
  role: AccessRole,
  page: PageState,
  maxResults: number,
): Record<string, unknown> {
  const t = tokens(ctx.state);
  const slice = page.items.slice(page.offset, page.offset + maxResults);
  const next = page.offset + maxResults;
  const out: Record<string, unknown> = {
    kind: "calendar#events",
    etag: `"p${calendar.log.currentSeq}${calendar.epoch}"`,
    summary: calendar.summary,
    ...(calendar.description ? { description: calendar.description } : {}),
    updated: new Date(calendar.updated).toISOString(),
    timeZone: calendar.timeZone,
    accessRole: role,
    defaultReminders: role === "owner" || role === "writer" ? [{ method: "popup", minutes: 10 }] : [],
  };
  if (next < page.items.length) {
    const token = randomBytes(18).toString("base64url");
    t.pages.set(token, { ...page, offset: next });
    out.nextPageToken = token;
  } else {
    out.nextSyncToken = page.syncToken;
  }
  out.items = slice;
  return out;
}

// ---- single events ------------------------------------------------------------------------------------

function conferenceVersion(ctx: ApiContext): number {
  const v = ctx.url.searchParams.get("conferenceDataVersion");
  if (v === null) return 0;
  const n = Number(v);
  if (n !== 0 && n !== 1)
    throw invalidArgument(`Invalid value '${v}'. Values must be within the range: [0, 1]`, "invalid");
  return n;
}

/** Whether the calling OAuth client is a Calendar-conferencing Marketplace add-on (may write addOn data). */
const fromAddOn = (ctx: ApiContext) =>
  calendarSettings(ctx.state).addOnClientIds.includes(ctx.caller?.token.clientId ?? "");

function renderFor(r: Resolved, record: EventRecord): Record<string, unknown> {
  const zone = r.calendar.timeZone;
  if (isCancelledIn(r.calendar, record)) {
    return {
      ...renderEvent(record, {
        calendar: r.calendar,
        zone,
        detail: detailFor(r.role, record, r.viewer.email),
      }),
      status: "cancelled",
    };
  }
  return renderEvent(record, {
    calendar: r.calendar,
    zone,
    detail: detailFor(r.role, record, r.viewer.email),
  });
}

export function getEvent(ctx: ApiContext): ApiResult {
  const r = resolveCalendar(ctx, ctx.params.calendarId!);
  settlePending(ctx.state, r.calendar);
  const found = locate(ctx.state, r.calendar, ctx.params.eventId!);
  if (!found) throw notFound("Not Found");
  return { json: renderFor(r, found.record) };
}

export async function insertEventApi(ctx: ApiContext): Promise<ApiResult> {
  const r = resolveCalendar(ctx, ctx.params.calendarId!);
  const body = await ctx.jsonBody();
  const record = insertEvent(ctx.state, r.calendar, r.viewer.email, r.role, body, {
    conferenceDataVersion: conferenceVersion(ctx),
    fromAddOn: fromAddOn(ctx),
  });
  return { json: renderFor(r, record) };
}

export function modifyEventApi(mode: "patch" | "update") {
  return async (ctx: ApiContext): Promise<ApiResult> => {
    const r = resolveCalendar(ctx, ctx.params.calendarId!);
    const body = await ctx.jsonBody();
    const record = modifyEvent(
      ctx.state,
      r.calendar,
      ctx.params.eventId!,
      r.viewer.email,
      r.role,
      body,
      mode,
      {
        conferenceDataVersion: conferenceVersion(ctx),
        fromAddOn: fromAddOn(ctx),
      },
    );
    return { json: renderFor(r, record) };
  };
}

export function deleteEventApi(ctx: ApiContext): ApiResult {
  const r = resolveCalendar(ctx, ctx.params.calendarId!);
  deleteEvent(ctx.state, r.calendar, ctx.params.eventId!, r.viewer.email, r.role);
  return { empty: 204 };
}

export function listInstances(ctx: ApiContext): ApiResult {
  const r = resolveCalendar(ctx, ctx.params.calendarId!);
  const { calendar } = r;
  const master = calendar.entries.get(ctx.params.eventId!);
  if (!master) throw notFound("Not Found");
  const q = ctx.url.searchParams;
  const min = timeParam(q, "timeMin") ?? Number.NEGATIVE_INFINITY;
  const max = timeParam(q, "timeMax") ?? expansionLimit(ctx.state, master);
  const maxResults = intParam(q, "maxResults", 250, 2500);
  const showDeleted = boolParam(q, "showDeleted") ?? false;
  const exceptions = [...calendar.entries.values()].filter((e) => e.recurringEventId === master.id);
  const byId = new Map(exceptions.map((e) => [e.id, e]));
  const list: EventRecord[] = [];
  if (Array.isArray(master.body.recurrence) && !master.deleted) {
    for (const inst of occurrences(ctx.state, calendar, master, min, max))
      list.push(byId.get(inst.id) ?? inst);
  }
  const items = list
    .filter((e) => showDeleted || !isCancelledIn(calendar, e))
    .slice(0, maxResults)
    .map((e) =>
      isCancelledIn(calendar, e) ? renderTombstone(e, { zone: calendar.timeZone }) : renderFor(r, e),
    );
  return {
    json: {
      kind: "calendar#events",
      summary: calendar.summary,
      timeZone: calendar.timeZone,
      accessRole: r.role,
      defaultReminders: [],
      items,
    },
  };
}

// ---- calendars -------------------------------------------------------------------------------------------

function listEntry(calendar: Calendar, role: AccessRole, primary: boolean): Record<string, unknown> {
  return {
    kind: "calendar#calendarListEntry",
    etag: `"${calendar.updated}"`,
    id: calendar.id,
    summary: calendar.summary,
    ...(calendar.description ? { description: calendar.description } : {}),
    timeZone: calendar.timeZone,
    colorId: primary ? "14" : "9",
    backgroundColor: primary ? "#9fe1e7" : "#7bd148",
    foregroundColor: "#000000",
    selected: true,
    accessRole: role,
    defaultReminders: role === "owner" || role === "writer" ? [{ method: "popup", minutes: 10 }] : [],
    ...(primary ? { primary: true } : {}),
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
  };
}

export function listCalendarList(ctx: ApiContext): ApiResult {
  const { org, user } = callerUser(ctx);
  const viewer = viewerOf(org, user);
  const primary = primaryCalendar(org, user, ctx.state.now());
  const minRole = ctx.url.searchParams.get("minAccessRole") as AccessRole | null;
  const rank: Record<string, number> = { freeBusyReader: 1, reader: 2, writer: 3, owner: 4 };
  const entries: Record<string, unknown>[] = [listEntry(primary, "owner", true)];
  const seen = new Set([primary.id]);
  const oc = orgCalendars(org);
  for (const cal of oc.calendars.values()) {
    if (seen.has(cal.id) || cal.primary || cal.ownerEmail !== viewer.email) continue;
    seen.add(cal.id);
    entries.push(listEntry(cal, "owner", false));
  }
  for (const id of oc.subscriptions.get(viewer.email) ?? []) {
    const cal = findCalendar(ctx.state, id);
    if (!cal || seen.has(cal.id)) continue;
    const role = accessRole(ctx.state, cal, viewer);
    if (role === "none") continue;
    seen.add(cal.id);
    entries.push(listEntry(cal, role, false));
  }
  const filtered = minRole
    ? entries.filter((e) => (rank[e.accessRole as string] ?? 0) >= (rank[minRole] ?? 0))
    : entries;
  return {
    json: {
      kind: "calendar#calendarList",
      etag: `"${ctx.state.now()}"`,
      nextSyncToken: `C${randomBytes(12).toString("base64")}`,
      items: filtered,
    },
  };
}

export function getCalendar(ctx: ApiContext): ApiResult {
  const { calendar } = resolveCalendar(ctx, ctx.params.calendarId!);
  return {
    json: {
      kind: "calendar#calendar",
      etag: `"${calendar.updated}"`,
      id: calendar.id,
      summary: calendar.summary,
      ...(calendar.description ? { description: calendar.description } : {}),
      timeZone: calendar.timeZone,
      conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
    },
  };
}
