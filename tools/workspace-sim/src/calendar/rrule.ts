// RFC 5545 recurrence as Google Calendar accepts it in `recurrence[]`: RRULE (FREQ DAILY, WEEKLY,
// MONTHLY, YEARLY; INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, WKST), EXDATE and RDATE.
// Occurrences are generated as wall-clock dates; the caller turns them into instants in the event's zone.
import {
  basicUtc,
  dayNumber,
  daysInMonth,
  fromDayNumber,
  type LocalDate,
  type LocalDateTime,
  parseDateTime,
  weekday,
  zonedToUtc,
} from "./tz";

export type Freq = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";

export interface RRule {
  freq: Freq;
  interval: number;
  count?: number;
  /** UNTIL as an instant (…Z form) or as a wall-clock date (date form / floating). */
  untilMs?: number;
  untilDate?: LocalDate;
  byDay?: Array<{ n: number; wd: number }>;
  byMonthDay?: number[];
  byMonth?: number[];
  wkst: number;
}

export interface Recurrence {
  rules: RRule[];
  /** Excluded starts: instants (timed) as ms, or day numbers (all-day). */
  exInstants: Set<number>;
  exDays: Set<number>;
  rInstants: number[];
  rDays: number[];
}

const WEEKDAYS: Record<string, number> = { SU: 0, MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6 };

export class RecurrenceError extends Error {}

function parseBasic(
  value: string,
  tzid: string | undefined,
  fallbackTz: string | undefined,
): { ms?: number; day?: LocalDate } {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (d) return { day: { year: Number(d[1]), month: Number(d[2]), day: Number(d[3]) } };
  const t = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i.exec(value);
  if (!t) throw new RecurrenceError(`bad date ${value}`);
  const iso = `${t[1]}-${t[2]}-${t[3]}T${t[4]}:${t[5]}:${t[6]}${t[7] ? "Z" : ""}`;
  const ms = parseDateTime(iso, tzid ?? fallbackTz);
  if (ms === undefined) throw new RecurrenceError(`bad date-time ${value}`);
  return { ms };
}

export function parseRecurrence(lines: readonly string[], eventTz: string | undefined): Recurrence {
  const rec: Recurrence = { rules: [], exInstants: new Set(), exDays: new Set(), rInstants: [], rDays: [] };
  for (const raw of lines) {
    const line = raw.trim();
    const colon = line.indexOf(":");
    if (colon < 0) throw new RecurrenceError(`bad line ${line}`);
    const [name, ...params] = line.slice(0, colon).toUpperCase().split(";");
    const value = line.slice(colon + 1);
    const tzid = params.find((p) => p.startsWith("TZID="))?.slice(5);
    const tzidRaw = tzid ? /TZID=([^;:]+)/i.exec(line)?.[1] : undefined;
    if (name === "RRULE" || name === "EXRULE") {
      if (name === "EXRULE") continue; // deprecated in RFC 5545; Google ignores it
      rec.rules.push(parseRule(value, eventTz));
    } else if (name === "EXDATE" || name === "RDATE") {
      for (const v of value.split(",")) {
        const p = parseBasic(v.trim(), tzidRaw, eventTz);
        if (name === "EXDATE") {
          if (p.ms !== undefined) rec.exInstants.add(p.ms);
          if (p.day) rec.exDays.add(dayNumber(p.day));
        } else {
          if (p.ms !== undefined) rec.rInstants.push(p.ms);
          if (p.day) rec.rDays.push(dayNumber(p.day));
        }
      }
    } else {
      throw new RecurrenceError(`unsupported recurrence line ${name}`);
    }
  }
  if (rec.rules.length === 0 && rec.rInstants.length === 0 && rec.rDays.length === 0)
    throw new RecurrenceError("no RRULE");
  return rec;
}

function parseRule(value: string, eventTz: string | undefined): RRule {
  const parts = new Map<string, string>();
  for (const kv of value.split(";")) {
    if (!kv) continue;
    const [k, v] = kv.split("=");
    if (!k || v === undefined) throw new RecurrenceError(`bad RRULE part ${kv}`);
    parts.set(k.toUpperCase(), v.toUpperCase());
  }
  const freq = parts.get("FREQ");
  if (freq !== "DAILY" && freq !== "WEEKLY" && freq !== "MONTHLY" && freq !== "YEARLY") {
    throw new RecurrenceError(`unsupported FREQ ${freq}`);
  }
  const rule: RRule = { freq, interval: 1, wkst: 1 };
  const interval = parts.get("INTERVAL");
  if (interval !== undefined) {
    rule.interval = Number(interval);
    if (!Number.isInteger(rule.interval) || rule.interval < 1) throw new RecurrenceError("bad INTERVAL");
  }
  const count = parts.get("COUNT");
  const until = parts.get("UNTIL");
  if (count !== undefined && until !== undefined) throw new RecurrenceError("COUNT and UNTIL together");
  if (count !== undefined) {
    rule.count = Number(count);
    if (!Number.isInteger(rule.count) || rule.count < 1) throw new RecurrenceError("bad COUNT");
  }
  if (until !== undefined) {
    const p = parseBasic(until, undefined, eventTz ?? "UTC");
    if (p.day) rule.untilDate = p.day;
    else rule.untilMs = p.ms!;
  }
  const byDay = parts.get("BYDAY");
  if (byDay) {
    rule.byDay = byDay.split(",").map((d) => {
      const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(d);
      if (!m) throw new RecurrenceError(`bad BYDAY ${d}`);
      return { n: m[1] ? Number(m[1]) : 0, wd: WEEKDAYS[m[2]!]! };
    });
  }
  const byMonthDay = parts.get("BYMONTHDAY");
  if (byMonthDay) rule.byMonthDay = byMonthDay.split(",").map(Number);
  const byMonth = parts.get("BYMONTH");
  if (byMonth) rule.byMonth = byMonth.split(",").map(Number);
  const wkst = parts.get("WKST");
  if (wkst) rule.wkst = WEEKDAYS[wkst] ?? 1;
  for (const n of [...(rule.byMonthDay ?? []), ...(rule.byMonth ?? [])]) {
    if (!Number.isInteger(n) || n === 0) throw new RecurrenceError("bad BYMONTHDAY/BYMONTH");
  }
  return rule;
}

/** Candidate dates of one period (a day, week, month or year), sorted, before COUNT/UNTIL. */
function periodDates(rule: RRule, start: LocalDate, k: number): number[] {
  const startDay = dayNumber(start);
  const wdSet = rule.byDay ? new Set(rule.byDay.map((d) => d.wd)) : undefined;
  const monthOk = (d: LocalDate) => !rule.byMonth || rule.byMonth.includes(d.month);
  switch (rule.freq) {
    case "DAILY": {
      const day = startDay + k * rule.interval;
      const d = fromDayNumber(day);
      if (wdSet && !wdSet.has(weekday(d))) return [];
      if (rule.byMonthDay && !rule.byMonthDay.includes(d.day)) return [];
      return monthOk(d) ? [day] : [];
    }
    case "WEEKLY": {
      const weekStart = startDay - ((weekday(start) - rule.wkst + 7) % 7) + k * 7 * rule.interval;
      const wds = wdSet ? [...wdSet] : [weekday(start)];
      return wds
        .map((wd) => weekStart + ((wd - rule.wkst + 7) % 7))
        .filter((day) => monthOk(fromDayNumber(day)))
        .sort((a, b) => a - b);
    }
    case "MONTHLY": {
      const m0 = start.year * 12 + (start.month - 1) + k * rule.interval;
      const year = Math.floor(m0 / 12);
      const month = (m0 % 12) + 1;
      if (rule.byMonth && !rule.byMonth.includes(month)) return [];
      return monthDays(rule, year, month, start.day);
    }
    case "YEARLY": {
      const year = start.year + k * rule.interval;
      const months = rule.byMonth ?? [start.month];
      return months.flatMap((month) =>
        rule.byDay || rule.byMonthDay
          ? monthDays(rule, year, month, start.day)
          : start.day <= daysInMonth(year, month)
            ? [dayNumber({ year, month, day: start.day })]
            : [],
      );
    }
  }
}

function monthDays(rule: RRule, year: number, month: number, defaultDay: number): number[] {
  const dim = daysInMonth(year, month);
  const first = dayNumber({ year, month, day: 1 });
  const out = new Set<number>();
  if (rule.byDay) {
    for (const { n, wd } of rule.byDay) {
      const firstWd = (wd - weekday({ year, month, day: 1 }) + 7) % 7; // offset of the first such weekday
      const all: number[] = [];
      for (let d = firstWd; d < dim; d += 7) all.push(first + d);
      if (n === 0) for (const d of all) out.add(d);
      else {
        const pick = n > 0 ? all[n - 1] : all[all.length + n];
        if (pick !== undefined) out.add(pick);
      }
    }
    if (rule.byMonthDay) {
      const allowed = new Set(rule.byMonthDay.map((d) => (d > 0 ? d : dim + d + 1)));
      for (const d of [...out]) if (!allowed.has(d - first + 1)) out.delete(d);
    }
  } else if (rule.byMonthDay) {
    for (const d of rule.byMonthDay) {
      const day = d > 0 ? d : dim + d + 1;
      if (day >= 1 && day <= dim) out.add(first + day - 1);
    }
  } else if (defaultDay <= dim) out.add(first + defaultDay - 1);
  return [...out].sort((a, b) => a - b);
}

export interface Occurrence {
  /** Start instant of the occurrence (for all-day: local midnight in the zone given). */
  startMs: number;
  /** Day number of the start date (all-day events) or of the local start date (timed). */
  day: number;
}

export interface ExpandInput {
  recurrence: Recurrence;
  /** First occurrence (DTSTART) as wall time in `timeZone`; for all-day events hour/minute are 0. */
  dtstart: LocalDateTime;
  timeZone: string;
  allDay: boolean;
  /** Stop once an occurrence starts at or after this instant. */
  untilMs: number;
  maxOccurrences?: number;
}

/** Every occurrence of a series in start order, from DTSTART up to `untilMs` (RRULE ∪ RDATE − EXDATE). */
export function expandRecurrence(input: ExpandInput): Occurrence[] {
  const { recurrence, dtstart, timeZone, allDay } = input;
  const max = input.maxOccurrences ?? 5000;
  const toMs = (day: number) => {
    const d = fromDayNumber(day);
    return zonedToUtc({ ...d, hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second }, timeZone);
  };
  const startDay = dayNumber(dtstart);
  const seen = new Map<number, Occurrence>();
  for (const rule of recurrence.rules) {
    let produced = 0;
    let emptyPeriods = 0;
    outer: for (let k = 0; k < 100_000; k++) {
      const days = periodDates(rule, dtstart, k);
      if (days.length === 0) {
        if (++emptyPeriods > 5000) break;
        continue;
      }
      emptyPeriods = 0;
      for (const day of days) {
        if (day < startDay) continue;
        const ms = toMs(day);
        if (rule.untilDate && day > dayNumber(rule.untilDate)) break outer;
        if (rule.untilMs !== undefined && ms > rule.untilMs) break outer;
        if (rule.count !== undefined && produced >= rule.count) break outer;
        produced++;
        if (ms >= input.untilMs || seen.size >= max) break outer;
        seen.set(ms, { startMs: ms, day });
      }
    }
  }
  // DTSTART is always the first instance, even if the rule would not generate it.
  const first = toMs(startDay);
  if (first < input.untilMs) seen.set(first, { startMs: first, day: startDay });
  if (allDay) for (const day of recurrence.rDays) seen.set(toMs(day), { startMs: toMs(day), day });
  else for (const ms of recurrence.rInstants) seen.set(ms, { startMs: ms, day: startDay });
  return [...seen.values()]
    .filter((o) => (allDay ? !recurrence.exDays.has(o.day) : !recurrence.exInstants.has(o.startMs)))
    .filter((o) => o.startMs < input.untilMs)
    .sort((a, b) => a.startMs - b.startMs);
}

/** Google's instance id suffix: "_20240311T160000Z" for timed, "_20240311" for all-day events. */
export function instanceSuffix(o: Occurrence, allDay: boolean): string {
  if (allDay) {
    const d = fromDayNumber(o.day);
    return `${d.year}${String(d.month).padStart(2, "0")}${String(d.day).padStart(2, "0")}`;
  }
  return basicUtc(o.startMs);
}
