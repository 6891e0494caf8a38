// The presence engine and event filter, without I/O: precedence, what counts as busy, merging,
// time zones and DST, privacy of titles, and the next transition time.
import { describe, expect, it } from "vitest";
import { busyKindOf, type CalendarEntry, filterEvent, type GoogleEvent } from "./event-filter";
import { computePresence, PRESENCE_STATES, type PresenceInputs, viewFor } from "./presence-engine";
import { startOfDayInZone, zonedTimeToUtc } from "./time-zones";

const T = (iso: string) => new Date(iso);
let seq = 0;
function entry(
  over: Partial<Omit<CalendarEntry, "start" | "end">> & { start: string; end: string },
): CalendarEntry {
  const time = (v: string) => (v.length === 10 ? { date: v } : { dateTime: v });
  const { start, end, ...rest } = over;
  return {
    calendarId: "primary",
    eventId: `e${++seq}`,
    eventType: "default",
    status: "confirmed",
    transparency: "opaque",
    visibility: "default",
    selfResponse: null,
    title: null,
    attendees: [],
    organizer: null,
    recurringEventId: null,
    updated: null,
    ...rest,
    start: time(start),
    end: time(end),
  } as CalendarEntry;
}
const inputs = (over: Partial<PresenceInputs>): PresenceInputs => ({
  now: T("2026-06-10T10:30:00Z"),
  timeZone: "Etc/UTC",
  entries: [],
  settings: { tentativeCounts: false },
  manual: null,
  call: null,
  ...over,
});
const meeting = (start = "2026-06-10T10:00:00Z", end = "2026-06-10T11:00:00Z", over = {}) =>
  entry({ start, end, ...over });

describe("precedence", () => {
  const all = {
    manual: { state: "dnd" as const, until: null, setAt: T("2026-06-10T08:00:00Z") },
    call: { callId: "c1", since: T("2026-06-10T10:20:00Z") },
    ooo: entry({ start: "2026-06-10T00:00:00Z", end: "2026-06-11T00:00:00Z", eventType: "outOfOffice" }),
    meeting: meeting(),
    focus: entry({ start: "2026-06-10T09:00:00Z", end: "2026-06-10T12:00:00Z", eventType: "focusTime" }),
  };
  it("orders manual DND > call > out of office > meeting > focus > available > unknown (a calendar it cannot see)", () => {
    const layers = [
      inputs({ manual: all.manual, call: all.call, entries: [all.ooo, all.meeting, all.focus] }),
      inputs({ call: all.call, entries: [all.ooo, all.meeting, all.focus] }),
      inputs({ entries: [all.ooo, all.meeting, all.focus] }),
      inputs({ entries: [all.meeting, all.focus] }),
      inputs({ entries: [all.focus] }),
      inputs({}),
      inputs({ calendarVisible: false }),
    ];
    expect(layers.map((l) => computePresence(l).state)).toEqual([...PRESENCE_STATES]);
  });

  it("says unknown, not available, when the calendar cannot be seen, but still shows DND and calls", () => {
    expect(computePresence(inputs({ calendarVisible: false }))).toMatchObject({
      state: "unknown",
      reason: "calendar_not_connected",
      until: null,
    });
    expect(computePresence(inputs({ calendarVisible: false, call: all.call })).state).toBe("on_call");
    expect(computePresence(inputs({ calendarVisible: false, manual: all.manual })).state).toBe("dnd");
  });

  it("keeps a manual DND through a meeting, with its own end as until", () => {
    const p = computePresence(
      inputs({
        manual: { state: "dnd", until: T("2026-06-10T12:00:00Z"), setAt: T("2026-06-10T09:00:00Z") },
        entries: [meeting()],
      }),
    );
    expect(p).toMatchObject({ state: "dnd", reason: "manual_dnd", source: { kind: "manual" } });
    expect(p.until).toEqual(T("2026-06-10T12:00:00Z"));
    expect(p.title).toBeNull();
    // The meeting's end is still a transition (the DND outlives it, so nothing visible changes then).
    expect(p.nextTransitionAt).toEqual(T("2026-06-10T11:00:00Z"));
  });

  it("falls back to the calendar once a timed DND has ended", () => {
    const p = computePresence(
      inputs({
        manual: { state: "dnd", until: T("2026-06-10T10:15:00Z"), setAt: T("2026-06-10T09:00:00Z") },
        entries: [meeting()],
      }),
    );
    expect(p.state).toBe("in_meeting");
  });

  it("says on a call with the call id as source and no until", () => {
    const p = computePresence(inputs({ call: { callId: "c9", since: T("2026-06-10T10:00:00Z") } }));
    expect(p).toMatchObject({
      state: "on_call",
      reason: "call",
      source: { kind: "telephony", callId: "c9" },
    });
    expect(p.until).toBeNull();
  });
});

describe("meetings", () => {
  it("counts a confirmed opaque meeting in progress, until its end, with the event as source", () => {
    const m = meeting();
    const p = computePresence(inputs({ entries: [m] }));
    expect(p).toMatchObject({
      state: "in_meeting",
      reason: "meeting",
      source: { kind: "calendar", calendarId: "primary", eventId: m.eventId },
    });
    expect(p.until).toEqual(T("2026-06-10T11:00:00Z"));
    expect(p.nextTransitionAt).toEqual(T("2026-06-10T11:00:00Z"));
  });

  it("is available at the exact end instant (end is exclusive) and before the start", () => {
    expect(computePresence(inputs({ now: T("2026-06-10T11:00:00Z"), entries: [meeting()] })).state).toBe(
      "available",
    );
    const before = computePresence(inputs({ now: T("2026-06-10T09:59:59Z"), entries: [meeting()] }));
    expect(before.state).toBe("available");
    expect(before.until).toEqual(T("2026-06-10T10:00:00Z"));
    expect(before.nextTransitionAt).toEqual(T("2026-06-10T10:00:00Z"));
    expect(computePresence(inputs({ now: T("2026-06-10T10:00:00Z"), entries: [meeting()] })).state).toBe(
      "in_meeting",
    );
  });

  it("ignores declined, transparent and all-day meetings", () => {
    for (const e of [
      meeting(undefined, undefined, { selfResponse: "declined" }),
      meeting(undefined, undefined, { transparency: "transparent" }),
      entry({ start: "2026-06-10", end: "2026-06-11" }),
    ]) {
      expect(computePresence(inputs({ entries: [e] })).state).toBe("available");
    }
  });

  it("counts an unanswered or accepted invitation", () => {
    for (const selfResponse of ["needsAction", "accepted"] as const) {
      expect(
        computePresence(inputs({ entries: [meeting(undefined, undefined, { selfResponse })] })).state,
      ).toBe("in_meeting");
    }
  });

  it("counts tentative events and answers only when the org says so", () => {
    const tentativeEvent = meeting(undefined, undefined, { status: "tentative" });
    const tentativeAnswer = meeting(undefined, undefined, { selfResponse: "tentative" });
    for (const e of [tentativeEvent, tentativeAnswer]) {
      expect(computePresence(inputs({ entries: [e] })).state).toBe("available");
      expect(computePresence(inputs({ entries: [e], settings: { tentativeCounts: true } })).state).toBe(
        "in_meeting",
      );
    }
  });

  it("merges back-to-back and overlapping meetings into one block whose end is until", () => {
    const p = computePresence(
      inputs({
        entries: [
          meeting("2026-06-10T10:00:00Z", "2026-06-10T11:00:00Z"),
          meeting("2026-06-10T11:00:00Z", "2026-06-10T11:30:00Z"),
          meeting("2026-06-10T11:15:00Z", "2026-06-10T12:15:00Z"),
          meeting("2026-06-10T12:20:00Z", "2026-06-10T13:00:00Z"), // a 5-minute gap: a new block
        ],
      }),
    );
    expect(p.until).toEqual(T("2026-06-10T12:15:00Z"));
    // Recomputed at the first boundary all the same (a change there may shift the block).
    expect(p.nextTransitionAt).toEqual(T("2026-06-10T11:00:00Z"));
  });

  it("takes the earliest-started event in progress as the source when meetings overlap", () => {
    const first = meeting("2026-06-10T10:00:00Z", "2026-06-10T11:00:00Z", {
      title: "Planning",
      visibility: "public",
    });
    const second = meeting("2026-06-10T10:15:00Z", "2026-06-10T10:45:00Z", {
      title: "Sync",
      visibility: "public",
    });
    const p = computePresence(inputs({ entries: [second, first] }));
    expect(p.source).toEqual({ kind: "calendar", calendarId: "primary", eventId: first.eventId });
    expect(p.title).toBe("Planning");
  });

  it("merges meetings across calendars", () => {
    const p = computePresence(
      inputs({
        entries: [
          meeting("2026-06-10T10:00:00Z", "2026-06-10T11:00:00Z"),
          meeting("2026-06-10T11:00:00Z", "2026-06-10T12:00:00Z", { calendarId: "team@acme.test" }),
        ],
      }),
    );
    expect(p.until).toEqual(T("2026-06-10T12:00:00Z"));
  });

  it("reads offsets exactly: 12:00+02:00 is 10:00Z", () => {
    const p = computePresence(
      inputs({ entries: [meeting("2026-06-10T12:00:00+02:00", "2026-06-10T13:00:00+02:00")] }),
    );
    expect(p.state).toBe("in_meeting");
    expect(p.until).toEqual(T("2026-06-10T11:00:00Z"));
  });

  it("drops empty and inverted events", () => {
    const p = computePresence(
      inputs({
        entries: [
          meeting("2026-06-10T10:00:00Z", "2026-06-10T10:00:00Z"),
          meeting("2026-06-10T11:00:00Z", "2026-06-10T10:00:00Z"),
        ],
      }),
    );
    expect(p).toMatchObject({ state: "available", until: null, nextTransitionAt: null });
  });
});

describe("out of office and focus time", () => {
  it("counts an all-day out-of-office in the user's time zone, not in UTC", () => {
    // Tokyo is UTC+9: the day 2026-06-11 runs from 06-10T15:00Z to 06-11T15:00Z.
    const ooo = entry({ start: "2026-06-11", end: "2026-06-12", eventType: "outOfOffice" });
    const tz = "Asia/Tokyo";
    expect(
      computePresence(inputs({ now: T("2026-06-10T14:59:00Z"), timeZone: tz, entries: [ooo] })).state,
    ).toBe("available");
    const during = computePresence(inputs({ now: T("2026-06-10T15:00:00Z"), timeZone: tz, entries: [ooo] }));
    expect(during).toMatchObject({ state: "out_of_office", reason: "out_of_office" });
    expect(during.until).toEqual(T("2026-06-11T15:00:00Z"));
    // It does not bleed into the next local day (docs/product.md#all-day-events).
    expect(
      computePresence(inputs({ now: T("2026-06-11T15:00:00Z"), timeZone: tz, entries: [ooo] })).state,
    ).toBe("available");
  });

  it("merges consecutive all-day out-of-office days into one absence", () => {
    const p = computePresence(
      inputs({
        timeZone: "Europe/Paris",
        now: T("2026-06-10T12:00:00Z"),
        entries: [
          entry({ start: "2026-06-10", end: "2026-06-11", eventType: "outOfOffice" }),
          entry({ start: "2026-06-11", end: "2026-06-13", eventType: "outOfOffice" }),
        ],
      }),
    );
    expect(p.until).toEqual(T("2026-06-12T22:00:00Z"));
  });

  it("shows focus time, below a meeting and above available", () => {
    const focus = entry({
      start: "2026-06-10T10:00:00Z",
      end: "2026-06-10T12:00:00Z",
      eventType: "focusTime",
    });
    expect(computePresence(inputs({ entries: [focus] }))).toMatchObject({
      state: "focus",
      reason: "focus_time",
    });
    const p = computePresence(
      inputs({ entries: [focus, meeting("2026-06-10T10:15:00Z", "2026-06-10T10:45:00Z")] }),
    );
    expect(p.state).toBe("in_meeting");
    expect(p.until).toEqual(T("2026-06-10T10:45:00Z"));
    expect(p.nextTransitionAt).toEqual(T("2026-06-10T10:45:00Z"));
    expect(computePresence(inputs({ now: T("2026-06-10T10:45:00Z"), entries: [focus] })).until).toEqual(
      T("2026-06-10T12:00:00Z"),
    );
  });

  it("counts a declined out-of-office or focus block as nothing", () => {
    const ooo = entry({
      start: "2026-06-10T00:00:00Z",
      end: "2026-06-11T00:00:00Z",
      eventType: "outOfOffice",
      selfResponse: "declined",
    });
    expect(computePresence(inputs({ entries: [ooo] })).state).toBe("available");
  });
});

describe("DST", () => {
  it("an all-day out-of-office on the spring-forward day lasts 23 hours (Europe/Berlin)", () => {
    const ooo = entry({ start: "2026-03-29", end: "2026-03-30", eventType: "outOfOffice" });
    const tz = "Europe/Berlin";
    const p = computePresence(inputs({ now: T("2026-03-29T12:00:00Z"), timeZone: tz, entries: [ooo] }));
    expect(p.state).toBe("out_of_office");
    expect(p.until).toEqual(T("2026-03-29T22:00:00Z")); // midnight CEST
    expect(startOfDayInZone("2026-03-29", tz)).toBe(T("2026-03-28T23:00:00Z").getTime()); // midnight CET
    expect(
      computePresence(inputs({ now: T("2026-03-29T22:30:00Z"), timeZone: tz, entries: [ooo] })).state,
    ).toBe("available");
  });

  it("an all-day out-of-office on the fall-back day lasts 25 hours (America/New_York)", () => {
    const tz = "America/New_York";
    const ooo = entry({ start: "2026-11-01", end: "2026-11-02", eventType: "outOfOffice" });
    const p = computePresence(inputs({ now: T("2026-11-01T04:00:00Z"), timeZone: tz, entries: [ooo] }));
    expect(p.state).toBe("out_of_office");
    expect(p.until!.getTime() - T("2026-11-01T04:00:00Z").getTime()).toBe(25 * 3600_000);
  });

  it("a meeting over the spring-forward gap keeps its exact instants", () => {
    // 01:30 EST (-05:00) to 03:30 EDT (-04:00) on 2026-03-08 is one hour.
    const m = meeting("2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00");
    const p = computePresence(
      inputs({ now: T("2026-03-08T07:00:00Z"), timeZone: "America/New_York", entries: [m] }),
    );
    expect(p.state).toBe("in_meeting");
    expect(p.until).toEqual(T("2026-03-08T07:30:00Z"));
  });

  it("maps wall times in a gap forward and ambiguous ones to their first occurrence", () => {
    const gap = zonedTimeToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, "Europe/Berlin");
    expect(new Date(gap).toISOString()).toBe("2026-03-29T01:30:00.000Z"); // 03:30 CEST
    const ambiguous = zonedTimeToUtc(
      { year: 2026, month: 11, day: 1, hour: 1, minute: 30 },
      "America/New_York",
    );
    expect(new Date(ambiguous).toISOString()).toBe("2026-11-01T05:30:00.000Z"); // 01:30 EDT
  });

  it("handles a zone whose DST change is at midnight (America/Santiago: the day starts at 01:00)", () => {
    // Chile springs forward at 24:00 on the first Saturday of September: 2026-09-06 starts at 01:00 -03.
    expect(new Date(startOfDayInZone("2026-09-06", "America/Santiago")).toISOString()).toBe(
      "2026-09-06T04:00:00.000Z",
    );
  });
});

describe("event filter", () => {
  const base: GoogleEvent = {
    id: "ev1",
    status: "confirmed",
    summary: "Board review",
    start: { dateTime: "2026-06-10T10:00:00Z" },
    end: { dateTime: "2026-06-10T11:00:00Z" },
    attendees: [
      { email: "Alice@Acme.test", self: true, responseStatus: "accepted" },
      { email: "bob@acme.test", responseStatus: "needsAction" },
    ],
    organizer: { email: "bob@acme.test" },
  };

  it("keeps the title of a public event only", () => {
    const keep = (visibility?: string) => {
      const r = filterEvent("primary", { ...base, ...(visibility ? { visibility } : {}) });
      if (r.kind !== "keep") throw new Error("expected keep");
      return r.entry;
    };
    expect(keep("public").title).toBe("Board review");
    for (const v of [undefined, "default", "private", "confidential"]) expect(keep(v).title).toBeNull();
    expect(keep("confidential").visibility).toBe("private");
    expect(JSON.stringify(keep("private"))).not.toContain("Board review");
  });

  it("reads the calendar owner's own response and lower-cases attendees", () => {
    const r = filterEvent("primary", base);
    expect(r).toMatchObject({
      kind: "keep",
      entry: { selfResponse: "accepted", attendees: ["alice@acme.test", "bob@acme.test"] },
    });
  });

  it("turns tombstones, working locations and birthdays into removals", () => {
    expect(filterEvent("primary", { id: "x", status: "cancelled" })).toEqual({
      kind: "remove",
      eventId: "x",
    });
    for (const eventType of ["workingLocation", "birthday", "fromGmail"]) {
      expect(filterEvent("primary", { ...base, eventType }).kind).toBe("remove");
    }
    expect(filterEvent("primary", { status: "confirmed" }).kind).toBe("skip");
  });

  it("does not count all-day focus time, and counts all-day out-of-office", () => {
    const settings = { tentativeCounts: false };
    const allDay = { start: "2026-06-10", end: "2026-06-11" };
    expect(busyKindOf(entry({ ...allDay, eventType: "focusTime" }), settings)).toBeNull();
    expect(busyKindOf(entry({ ...allDay, eventType: "outOfOffice" }), settings)).toBe("out_of_office");
  });
});

describe("viewer-aware privacy", () => {
  const p = {
    state: "in_meeting" as const,
    reason: "meeting",
    until: T("2026-06-10T11:00:00Z"),
    title: "Launch review",
  };
  it("shows a colleague the public title and until", () => {
    expect(viewFor(p, "acme", { orgId: "acme" })).toEqual({
      state: "in_meeting",
      reason: "meeting",
      until: "2026-06-10T11:00:00.000Z",
      title: "Launch review",
    });
  });
  it("shows someone outside the org only busy or available: no reason, until or title", () => {
    expect(viewFor(p, "acme", { orgId: "globex" })).toEqual({ state: "busy", reason: "busy", until: null });
    expect(
      viewFor({ ...p, state: "available", reason: "free", title: null }, "acme", { orgId: "globex" }),
    ).toEqual({
      state: "available",
      reason: "free",
      until: null,
    });
  });
  it("shows no title when none is stored (private event)", () => {
    expect(viewFor({ ...p, title: null }, "acme", { orgId: "acme" })).not.toHaveProperty("title");
  });
});
