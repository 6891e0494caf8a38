// freebusy.query: busy intervals of calendars (and of groups' members) the caller may see at least
// free/busy of. Transparent events, cancelled events and events the owner declined are free.
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { invalidArgument } from "../errors";
import type { SimState } from "../state";
import { isCancelledIn, occurrences } from "./events";
import {
  accessRole,
  type Calendar,
  type EventRecord,
  findCalendar,
  primaryCalendar,
  viewerOf,
} from "./model";
import { formatRfc3339, isValidTimeZone, parseDateTime } from "./tz";

export interface Interval {
  start: number;
  end: number;
}

/** Busy time of a calendar in [min, max), merged. */
export function busyIntervals(state: SimState, calendar: Calendar, min: number, max: number): Interval[] {
  const raw: Interval[] = [];
  const records = [...calendar.entries.values()];
  const blocks = (r: EventRecord) => {
    if (isCancelledIn(calendar, r)) return false;
    if (r.body.transparency === "transparent" || r.body.eventType === "workingLocation") return false;
    const me = (r.body.attendees as Array<Record<string, unknown>> | undefined)?.find(
      (a) => a.email === calendar.ownerEmail,
    );
    return me?.responseStatus !== "declined";
  };
  for (const r of records) {
    if (Array.isArray(r.body.recurrence)) {
      if (r.deleted) continue;
      const exceptions = new Set(records.filter((e) => e.recurringEventId === r.id).map((e) => e.id));
      for (const inst of occurrences(state, calendar, r, min - (r.end.ms - r.start.ms), max)) {
        if (!exceptions.has(inst.id) && blocks(inst)) raw.push({ start: inst.start.ms, end: inst.end.ms });
      }
    } else if (blocks(r)) raw.push({ start: r.start.ms, end: r.end.ms });
  }
  const clipped = raw
    .filter((i) => i.end > min && i.start < max)
    .map((i) => ({ start: Math.max(i.start, min), end: Math.min(i.end, max) }))
    .sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const i of clipped) {
    const last = merged[merged.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else merged.push({ ...i });
  }
  return merged;
}

function limitParam(raw: unknown, name: string, max: number): number {
  if (raw === undefined || raw === null) return max;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalidArgument(
      `Invalid value for ${name}: ${String(raw)}. Values must be within the range: [1, ${max}]`,
      "invalid",
    );
  return n;
}

export async function queryFreeBusy(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const viewer = viewerOf(org, user);
  const body = await ctx.jsonBody();
  const parseBound = (name: "timeMin" | "timeMax") => {
    const v = body[name];
    if (typeof v !== "string" || v === "") throw invalidArgument(`Missing ${name}.`, "required");
    const ms = parseDateTime(v, undefined);
    if (ms === undefined) throw invalidArgument(`Invalid ${name}.`, "invalid");
    return ms;
  };
  const min = parseBound("timeMin");
  const max = parseBound("timeMax");
  if (max <= min) throw invalidArgument("The specified time range is empty.", "timeRangeEmpty");
  const zone = typeof body.timeZone === "string" && isValidTimeZone(body.timeZone) ? body.timeZone : "UTC";
  const calendarMax = limitParam(body.calendarExpansionMax, "calendarExpansionMax", 50);
  const groupMax = limitParam(body.groupExpansionMax, "groupExpansionMax", 100);
  const items = Array.isArray(body.items) ? (body.items as Array<Record<string, unknown>>) : [];

  const calendars: Record<string, Record<string, unknown>> = {};
  const groups: Record<string, Record<string, unknown>> = {};
  const order: string[] = [];
  for (const item of items) {
    const id = String(item.id ?? "");
    const lower = id.toLowerCase();
    const groupOrg = [...ctx.state.orgs.values()].find((o) => o.directory.groups.has(lower));
    const group = groupOrg?.directory.groups.get(lower);
    if (groupOrg && group) {
      const members = groupOrg.directory
        .groupMembers(group, true)
        .filter((m) => m.type === "USER")
        .map((m) => m.email);
      if (members.length > groupMax) {
        groups[id] = { errors: [{ domain: "global", reason: "groupTooBig" }], calendars: [] };
        continue;
      }
      groups[id] = { calendars: members };
      order.push(...members);
    } else order.push(id);
  }
  let counted = 0;
  for (const id of order) {
    if (calendars[id]) continue;
    if (++counted > calendarMax) {
      calendars[id] = { errors: [{ domain: "calendar", reason: "tooManyCalendarsRequested" }], busy: [] };
      continue;
    }
    const cal = id === "primary" ? primaryCalendar(org, user, ctx.state.now()) : findCalendar(ctx.state, id);
    if (!cal || accessRole(ctx.state, cal, viewer) === "none") {
      calendars[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
      continue;
    }
    calendars[id] = {
      busy: busyIntervals(ctx.state, cal, min, max).map((i) => ({
        start: formatRfc3339(i.start, zone),
        end: formatRfc3339(i.end, zone),
      })),
    };
  }
  return {
    json: {
      kind: "calendar#freeBusy",
      timeMin: new Date(min).toISOString(),
      timeMax: new Date(max).toISOString(),
      ...(Object.keys(groups).length > 0 ? { groups } : {}),
      calendars,
    },
  };
}
