// Pure: a user's presence from their manual status, telephony and calendar at an instant, with the
// reason, the source and `until`, and the next instant at which it may change (the sweep's due time).
// Precedence, highest first (docs/product.md#presence-precedence): manual DND > on a call > out of office >
// in a meeting > focus time > available. Automation never overwrites a manual DND: it is an input here,
// never an output. Someone whose calendar Switchboard cannot see (not connected, never synced) is
// `unknown`, not `available`: an empty calendar we cannot read says nothing about them.
import { type BusyKind, busyKindOf, type CalendarEntry, type PresenceSettings } from "./event-filter";
import { startOfDayInZone } from "./time-zones";

export type PresenceState = "dnd" | "on_call" | BusyKind | "available" | "unknown";
export const PRESENCE_STATES = [
  "dnd",
  "on_call",
  "out_of_office",
  "in_meeting",
  "focus",
  "available",
  "unknown",
] as const satisfies readonly PresenceState[];

export interface ManualStatus {
  state: "dnd";
  /** null: until the user clears it. */
  until: Date | null;
  setAt: Date;
}

export interface CallState {
  callId: string;
  since: Date;
}

export interface PresenceInputs {
  now: Date;
  /** The user's IANA time zone (their primary calendar's): all-day dates are days there. */
  timeZone: string;
  entries: readonly CalendarEntry[];
  settings: PresenceSettings;
  manual: ManualStatus | null;
  call: CallState | null;
  /** Whether Switchboard can see the user's calendar (connected and synced); default true. */
  calendarVisible?: boolean;
}

export type PresenceSource =
  | { kind: "manual" }
  | { kind: "telephony"; callId: string }
  | { kind: "calendar"; calendarId: string; eventId: string }
  | { kind: "none" };

export interface Presence {
  state: PresenceState;
  /** A stable reason code for clients: manual_dnd, call, out_of_office, meeting, focus_time, free. */
  reason: string;
  source: PresenceSource;
  /** When this state ends, as far as is known (null: open-ended, or nothing ahead). */
  until: Date | null;
  /** The source event's title, present only for a public event. */
  title: string | null;
  /** The next instant at which recomputing may give another answer (null: nothing scheduled). */
  nextTransitionAt: Date | null;
}

export interface Interval {
  kind: BusyKind;
  start: number;
  end: number;
  entry: CalendarEntry;
}

const instantOf = (t: CalendarEntry["start"], timeZone: string): number =>
  "dateTime" in t ? Date.parse(t.dateTime) : startOfDayInZone(t.date, timeZone);

/** The counted events as intervals in ms (empty or inverted ones dropped). */
export function busyIntervals(
  entries: readonly CalendarEntry[],
  settings: PresenceSettings,
  timeZone: string,
): Interval[] {
  const out: Interval[] = [];
  for (const entry of entries) {
    const kind = busyKindOf(entry, settings);
    if (!kind) continue;
    const start = instantOf(entry.start, timeZone);
    const end = instantOf(entry.end, timeZone);
    if (!(end > start)) continue;
    out.push({ kind, start, end, entry });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

export interface Block {
  kind: BusyKind;
  start: number;
  end: number;
  entries: CalendarEntry[];
}

/** Overlapping or back-to-back intervals of one kind merged into blocks. */
export function mergeBlocks(intervals: readonly Interval[]): Block[] {
  const byKind = new Map<BusyKind, Block[]>();
  for (const i of intervals) {
    const blocks = byKind.get(i.kind) ?? [];
    const last = blocks[blocks.length - 1];
    if (last && i.start <= last.end) {
      last.end = Math.max(last.end, i.end);
      last.entries.push(i.entry);
    } else {
      blocks.push({ kind: i.kind, start: i.start, end: i.end, entries: [i.entry] });
    }
    byKind.set(i.kind, blocks);
  }
  return [...byKind.values()].flat().sort((a, b) => a.start - b.start);
}

const REASONS: Record<PresenceState, string> = {
  dnd: "manual_dnd",
  on_call: "call",
  out_of_office: "out_of_office",
  in_meeting: "meeting",
  focus: "focus_time",
  available: "free",
  unknown: "calendar_not_connected",
};

const CALENDAR_ORDER: readonly BusyKind[] = ["out_of_office", "in_meeting", "focus"];

export function computePresence(input: PresenceInputs): Presence {
  const now = input.now.getTime();
  const intervals = busyIntervals(input.entries, input.settings, input.timeZone);
  const blocks = mergeBlocks(intervals);

  // Every boundary after now is a possible change: recompute then.
  const boundaries: number[] = [];
  for (const i of intervals) {
    if (i.start > now) boundaries.push(i.start);
    if (i.end > now) boundaries.push(i.end);
  }
  const manualActive = input.manual && (input.manual.until === null || input.manual.until.getTime() > now);
  if (manualActive && input.manual?.until) boundaries.push(input.manual.until.getTime());
  const next = boundaries.length > 0 ? new Date(Math.min(...boundaries)) : null;
  const base = { nextTransitionAt: next, title: null };

  if (manualActive && input.manual) {
    return {
      ...base,
      state: "dnd",
      reason: REASONS.dnd,
      source: { kind: "manual" },
      until: input.manual.until,
    };
  }
  if (input.call) {
    return {
      ...base,
      state: "on_call",
      reason: REASONS.on_call,
      source: { kind: "telephony", callId: input.call.callId },
      until: null,
    };
  }
  for (const kind of CALENDAR_ORDER) {
    const block = blocks.find((b) => b.kind === kind && b.start <= now && now < b.end);
    if (!block) continue;
    // The source is the event in progress that started first (ties: the first stored).
    const current = intervals
      .filter((i) => i.kind === kind && i.start <= now && now < i.end)
      .sort((a, b) => a.start - b.start)[0];
    const entry = current?.entry ?? block.entries[0];
    if (!entry) continue;
    return {
      ...base,
      state: kind,
      reason: REASONS[kind],
      source: { kind: "calendar", calendarId: entry.calendarId, eventId: entry.eventId },
      until: new Date(block.end),
      title: entry.title,
    };
  }
  if (input.calendarVisible === false) {
    return { ...base, state: "unknown", reason: REASONS.unknown, source: { kind: "none" }, until: null };
  }
  const upcoming = blocks.find((b) => b.start > now);
  return {
    ...base,
    state: "available",
    reason: REASONS.available,
    source: { kind: "none" },
    until: upcoming ? new Date(upcoming.start) : null,
  };
}

/** Who is looking: a colleague (same org) or someone outside it. */
export interface PresenceViewer {
  orgId: string;
}

export interface PresenceView {
  state: PresenceState | "busy";
  reason: string;
  until: string | null;
  title?: string;
}

/**
 * What a viewer may see (docs/product.md#presence-privacy). Colleagues (same org): state, reason and
 * `until`, and the title of a public event (private titles are not even stored). Outsiders: only busy or
 * available, with no reason, no `until` and never a title.
 */
export function viewFor(
  presence: Pick<Presence, "state" | "reason" | "until" | "title">,
  subjectOrgId: string,
  viewer: PresenceViewer,
): PresenceView {
  if (viewer.orgId !== subjectOrgId) {
    if (presence.state === "unknown") return { state: "unknown", reason: "unknown", until: null };
    return presence.state === "available"
      ? { state: "available", reason: "free", until: null }
      : { state: "busy", reason: "busy", until: null };
  }
  const view: PresenceView = {
    state: presence.state,
    reason: presence.reason,
    until: presence.until?.toISOString() ?? null,
  };
  if (presence.title) view.title = presence.title;
  return view;
}
