// IANA time-zone arithmetic with Intl only: offsets, wall time ↔ instant, RFC 3339 with offset.
// Recurring events are expanded in wall time of the event's zone, so 09:00 stays 09:00 across DST.

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of an instant in a zone. */
export function localParts(ms: number, timeZone: string): LocalDateTime {
  const out: Record<string, number> = {};
  for (const p of formatFor(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour! % 24,
    minute: out.minute!,
    second: out.second!,
  };
}

/** The zone's offset from UTC at an instant, in minutes (e.g. -420 for PDT). */
export function offsetMinutes(ms: number, timeZone: string): number {
  const l = localParts(ms, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/**
 * The instant a wall-clock time names in a zone. Times in a spring-forward gap move forward (02:30 →
 * 03:30), ambiguous fall-back times take the earlier instant, as Google Calendar does.
 */
export function zonedToUtc(l: LocalDateTime, timeZone: string): number {
  const guess = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  const o1 = offsetMinutes(guess, timeZone);
  let t = guess - o1 * 60_000;
  const o2 = offsetMinutes(t, timeZone);
  if (o2 !== o1) {
    const t2 = guess - o2 * 60_000;
    if (offsetMinutes(t2, timeZone) === o2) t = t2;
  }
  return t;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** RFC 3339 with the zone's offset ("2024-03-11T09:00:00-07:00"), or "Z" for UTC. */
export function formatRfc3339(ms: number, timeZone: string): string {
  const l = localParts(ms, timeZone);
  const off = offsetMinutes(ms, timeZone);
  const base = `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}`;
  if (off === 0 && (timeZone === "UTC" || timeZone === "Etc/UTC" || timeZone === "GMT")) return `${base}Z`;
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  return `${base}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export function formatDate(d: LocalDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

export function parseDate(s: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(Date.UTC(d.year, d.month - 1, d.day));
  if (check.getUTCMonth() !== d.month - 1 || check.getUTCDate() !== d.day) return undefined;
  return d;
}

/** Days since 1970-01-01 for a calendar date (no zone involved). */
export const dayNumber = (d: LocalDate) => Math.floor(Date.UTC(d.year, d.month - 1, d.day) / 86_400_000);

export function fromDayNumber(n: number): LocalDate {
  const dt = new Date(n * 86_400_000);
  return { year: dt.getUTCFullYear(), month: dt.getUTCMonth() + 1, day: dt.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
export const weekday = (d: LocalDate) => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();

export const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Parses an RFC 3339 date-time. With an offset or Z it names an instant; without one it is wall time
 * in `timeZone` (undefined if there is no zone to read it in).
 */
export function parseDateTime(s: string, timeZone: string | undefined): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    s.trim(),
  );
  if (!m) return undefined;
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
  };
  if (
    local.month < 1 ||
    local.month > 12 ||
    local.day < 1 ||
    local.day > 31 ||
    local.hour > 23 ||
    local.minute > 59
  ) {
    return undefined;
  }
  const frac = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const zone = m[8];
  if (zone) {
    const base =
      Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) + frac;
    if (zone.toUpperCase() === "Z") return base;
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const off = (Number(zm[2]) * 60 + Number(zm[3])) * (zm[1] === "-" ? -1 : 1);
    return base - off * 60_000;
  }
  if (!timeZone) return undefined;
  return zonedToUtc(local, timeZone) + frac;
}

/** "20240311T160000Z" (instance ids, UNTIL). */
export function basicUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}
