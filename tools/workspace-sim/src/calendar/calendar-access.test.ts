import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, googleError, startTestSim } from "../test-support";
import { calendarClient } from "./test-support";

let sim: RunningWorkspaceSim;
const OUTSIDER = "olga@other.test";
beforeAll(async () => {
  sim = await startTestSim();
  sim.control.seed({
    domain: "other.test",
    users: [{ email: OUTSIDER, givenName: "Olga", familyName: "Out" }],
  });
  const c = sim.control.calendar;
  const ev = (summary: string, hour: number, extra: Record<string, unknown> = {}) =>
    c.createEvent(ALICE, {
      summary,
      description: `${summary} notes`,
      start: { dateTime: `2033-01-10T${String(hour).padStart(2, "0")}:00:00Z` },
      end: { dateTime: `2033-01-10T${String(hour).padStart(2, "0")}:45:00Z` },
      ...extra,
    });
  ev("Board prep", 9);
  ev("Doctor", 11, { visibility: "private" });
  ev("Open office hours", 13, { visibility: "public" });
  ev("Lunch walk (free)", 14, { transparency: "transparent" });
  ev("Declined sync", 15, {
    attendees: [{ email: ALICE, responseStatus: "declined" }, { email: "x@customer.example" }],
  });
});
afterAll(() => sim.stop());

const window = { timeMin: "2033-01-10T00:00:00Z", timeMax: "2033-01-11T00:00:00Z" };
const utc = { timeZone: "UTC" };

describe("what colleagues see of someone's calendar", () => {
  it("domain default (free/busy only): busy blocks without details, except public events", async () => {
    const bob = calendarClient(sim, BOB);
    const res = await bob.events.list({
      calendarId: ALICE,
      ...window,
      ...utc,
      singleEvents: true,
      orderBy: "startTime",
    });
    expect(res.data.accessRole).toBe("freeBusyReader");
    const byStart = new Map(res.data.items!.map((e) => [e.start!.dateTime!.slice(11, 13), e]));
    expect(byStart.get("09")!.summary).toBeUndefined();
    expect(byStart.get("09")!.description).toBeUndefined();
    expect(byStart.get("11")!.summary).toBeUndefined();
    expect(byStart.get("13")!.summary).toBe("Open office hours");
    const fb = await bob.freebusy.query({ requestBody: { ...window, items: [{ id: ALICE }] } });
    expect(fb.data.calendars![ALICE]!.busy).toEqual([
      { start: "2033-01-10T09:00:00Z", end: "2033-01-10T09:45:00Z" },
      { start: "2033-01-10T11:00:00Z", end: "2033-01-10T11:45:00Z" },
      { start: "2033-01-10T13:00:00Z", end: "2033-01-10T13:45:00Z" },
    ]); // transparent and declined events are free
  });

  it("reader sharing shows details, but private events stay busy-only; writers see everything", async () => {
    sim.control.calendar.share(ALICE, { type: "user", value: BOB, role: "reader" });
    const bob = calendarClient(sim, BOB);
    const res = await bob.events.list({ calendarId: ALICE, ...window, ...utc });
    expect(res.data.accessRole).toBe("reader");
    const summaries = res.data.items!.map((e) => e.summary);
    expect(summaries).toContain("Board prep");
    expect(summaries).not.toContain("Doctor");
    const priv = res.data.items!.find((e) => e.start!.dateTime!.includes("T11:00"))!;
    expect(priv).toMatchObject({ visibility: "private" });
    expect(priv.description).toBeUndefined();
    // Readers cannot write.
    const denied = await googleError(
      bob.events.insert({
        calendarId: ALICE,
        requestBody: {
          summary: "x",
          start: { dateTime: "2033-01-12T10:00:00Z" },
          end: { dateTime: "2033-01-12T11:00:00Z" },
        },
      }),
    );
    expect(denied.status).toBe(403);

    sim.control.calendar.share(ALICE, { type: "user", value: BOB, role: "writer" });
    const all = await bob.events.list({ calendarId: ALICE, ...window });
    expect(all.data.items!.map((e) => e.summary)).toContain("Doctor");
  });

  it("hides the calendar from people outside the domain (404), and freebusy reports notFound for them", async () => {
    const olga = calendarClient(sim, OUTSIDER);
    expect((await googleError(olga.events.list({ calendarId: ALICE }))).status).toBe(404);
    const fb = await olga.freebusy.query({ requestBody: { ...window, items: [{ id: ALICE }] } });
    expect(fb.data.calendars![ALICE]!.errors).toEqual([{ domain: "global", reason: "notFound" }]);
    // An explicit freeBusyReader rule for the outsider makes free/busy work.
    sim.control.calendar.share(ALICE, { type: "user", value: OUTSIDER, role: "freeBusyReader" });
    const ok = await olga.freebusy.query({ requestBody: { ...window, items: [{ id: ALICE }] } });
    expect(ok.data.calendars![ALICE]!.busy).toHaveLength(3);
  });

  it("a domain default of 'none' hides colleagues' calendars entirely", async () => {
    sim.control.calendar.setDomainDefault("acme.test", "none");
    try {
      const ada = calendarClient(sim, "ada@acme.test");
      expect((await googleError(ada.events.list({ calendarId: ALICE }))).status).toBe(404);
    } finally {
      sim.control.calendar.setDomainDefault("acme.test", "freeBusyReader");
    }
  });

  it("freebusy enforces calendarExpansionMax ≤ 50 and groupExpansionMax ≤ 100, expands groups and flags calendars beyond the limit", async () => {
    const bob = calendarClient(sim, BOB);
    expect(
      (
        await googleError(
          bob.freebusy.query({ requestBody: { ...window, calendarExpansionMax: 51, items: [] } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await googleError(
          bob.freebusy.query({ requestBody: { ...window, groupExpansionMax: 101, items: [] } }),
        )
      ).status,
    ).toBe(400);
    const res = await bob.freebusy.query({
      requestBody: { ...window, calendarExpansionMax: 1, items: [{ id: "sales@acme.test" }] },
    });
    // sales@ = alice + (support@ = bob)
    expect(res.data.groups!["sales@acme.test"]!.calendars!.sort()).toEqual([ALICE, BOB]);
    const errors = Object.values(res.data.calendars!).map((c) => c.errors?.[0]?.reason ?? "ok");
    expect(errors.sort()).toEqual(["ok", "tooManyCalendarsRequested"]);
  });

  it("lists the user's calendars with their access role, including shared calendars they subscribed to", async () => {
    const team = sim.control.calendar.createCalendar(ALICE, {
      summary: "Team rota",
      timeZone: "Europe/Berlin",
    });
    sim.control.calendar.share(team.id, { type: "group", value: "support@acme.test", role: "reader" });
    sim.control.calendar.subscribe(BOB, team.id);
    const bob = calendarClient(sim, BOB);
    const list = await bob.calendarList.list();
    expect(list.data.items!.map((c) => [c.id, c.accessRole, c.primary ?? false])).toEqual([
      [BOB, "owner", true],
      [team.id, "reader", false],
    ]);
    const alice = calendarClient(sim, ALICE);
    const mine = await alice.calendarList.list();
    expect(mine.data.items!.find((c) => c.id === team.id)).toMatchObject({
      accessRole: "owner",
      timeZone: "Europe/Berlin",
    });
  });
});
