// The `eventTypes` filter of events.list and events.watch, through the real @googleapis/calendar client.
// Source: Google's guide "Manage focus time, out of office, and working location events"
// (calendar/api/guides/calendar-status) and the events.list reference ("If unset, returns all event types").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, googleError, startTestSim } from "../test-support";
import { calendarClient, Receiver, sleep } from "./test-support";

let sim: RunningWorkspaceSim;
let receiver: Receiver;
beforeAll(async () => {
  sim = await startTestSim();
  receiver = await new Receiver().start();
  const at = (h: number) => ({ dateTime: `2034-04-02T${String(h).padStart(2, "0")}:00:00Z` });
  const c = sim.control.calendar;
  c.createEvent(ALICE, { summary: "Meeting", start: at(9), end: at(10) });
  c.createEvent(ALICE, { summary: "Focus", eventType: "focusTime", start: at(10), end: at(12) });
  c.createEvent(ALICE, { summary: "Away", eventType: "outOfOffice", start: at(13), end: at(17) });
  c.createEvent(ALICE, {
    summary: "Office",
    eventType: "workingLocation",
    start: { date: "2034-04-02" },
    end: { date: "2034-04-03" },
    visibility: "public",
    transparency: "transparent",
    workingLocationProperties: { type: "officeLocation", officeLocation: { label: "HQ" } },
  });
});
afterAll(async () => {
  await receiver.stop();
  await sim.stop();
});

const window = { timeMin: "2034-04-01T00:00:00Z", timeMax: "2034-04-04T00:00:00Z" };
const names = (items: Array<{ summary?: string | null }> | undefined) =>
  (items ?? []).map((e) => e.summary).sort();

describe("eventTypes on events.list and events.watch", () => {
  it("lists every type when unset, and only the requested types when set (full and incremental sync)", async () => {
    const cal = calendarClient(sim, ALICE);
    const all = await cal.events.list({ calendarId: "primary", ...window, singleEvents: true });
    expect(names(all.data.items)).toEqual(["Away", "Focus", "Meeting", "Office"]);
    const some = await cal.events.list({
      calendarId: "primary",
      ...window,
      singleEvents: true,
      eventTypes: ["default", "outOfOffice", "focusTime"],
    });
    expect(names(some.data.items)).toEqual(["Away", "Focus", "Meeting"]);
    // The sync token keeps the filter: a new working-location event is not in the delta, a meeting is.
    sim.control.calendar.createEvent(ALICE, {
      summary: "Home",
      eventType: "workingLocation",
      start: { date: "2034-04-03" },
      end: { date: "2034-04-04" },
      visibility: "public",
      transparency: "transparent",
      workingLocationProperties: { type: "homeOffice", homeOffice: {} },
    });
    sim.control.calendar.createEvent(ALICE, {
      summary: "Later",
      start: { dateTime: "2034-04-03T09:00:00Z" },
      end: { dateTime: "2034-04-03T10:00:00Z" },
    });
    const delta = await cal.events.list({
      calendarId: "primary",
      syncToken: some.data.nextSyncToken!,
      singleEvents: true,
    });
    expect(names(delta.data.items)).toEqual(["Later"]);
    const bad = await googleError(cal.events.list({ calendarId: "primary", eventTypes: ["meeting"] }));
    expect(bad.status).toBe(400);
  });

  it("a channel watching some types is not notified of changes to the others", async () => {
    const cal = calendarClient(sim, ALICE);
    await cal.events.watch({
      calendarId: "primary",
      eventTypes: ["outOfOffice"],
      requestBody: { id: "types-1", type: "web_hook", address: receiver.url },
    });
    await receiver.waitFor(1); // sync
    sim.control.calendar.createEvent(ALICE, {
      summary: "Another meeting",
      start: { dateTime: "2034-04-05T09:00:00Z" },
      end: { dateTime: "2034-04-05T10:00:00Z" },
    });
    await sim.control.calendar.drainNotifications();
    await sleep(60);
    expect(receiver.states()).toEqual(["sync"]);
    sim.control.calendar.createEvent(ALICE, {
      summary: "Holiday",
      eventType: "outOfOffice",
      start: { dateTime: "2034-04-06T09:00:00Z" },
      end: { dateTime: "2034-04-06T17:00:00Z" },
    });
    await receiver.waitFor(2);
    expect(receiver.states()).toEqual(["sync", "exists"]);
  });
});
