import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, googleError, startTestSim } from "../test-support";
import { calendarClient } from "./test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

const LA = "America/Los_Angeles";

describe("recurring events expanded with singleEvents=true", () => {
  it("keeps a weekly 09:00 meeting at 09:00 local across the US DST change (UTC hour moves 17 → 16)", async () => {
    const cal = calendarClient(sim, ALICE);
    const series = await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Weekly sync",
        start: { dateTime: "2030-03-04T09:00:00", timeZone: LA },
        end: { dateTime: "2030-03-04T09:30:00", timeZone: LA },
        recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"],
      },
    });
    const list = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      timeMin: "2030-03-01T00:00:00Z",
      timeMax: "2030-04-30T00:00:00Z",
      q: "Weekly sync",
    });
    const items = list.data.items!;
    expect(items.map((e) => e.start!.dateTime)).toEqual([
      "2030-03-04T09:00:00-08:00",
      "2030-03-11T09:00:00-07:00", // DST began on 10 March 2030
      "2030-03-18T09:00:00-07:00",
      "2030-03-25T09:00:00-07:00",
    ]);
    expect(items.map((e) => new Date(e.start!.dateTime!).getUTCHours())).toEqual([17, 16, 16, 16]);
    expect(items[1]!.id).toBe(`${series.data.id}_20300311T160000Z`);
    expect(items.every((e) => e.recurringEventId === series.data.id && e.start!.timeZone === LA)).toBe(true);
    expect(items[1]!.originalStartTime!.dateTime).toBe("2030-03-11T09:00:00-07:00");
  });

  it("expands DAILY with INTERVAL and UNTIL across the European autumn change, and BYDAY / monthly last-Friday rules", async () => {
    const cal = calendarClient(sim, ALICE);
    await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "London standup",
        start: { dateTime: "2030-10-25T09:30:00+01:00", timeZone: "Europe/London" },
        end: { dateTime: "2030-10-25T09:45:00+01:00", timeZone: "Europe/London" },
        recurrence: ["RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20301102T235959Z"],
      },
    });
    const london = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      q: "London standup",
      timeZone: "Europe/London",
    });
    expect(london.data.items!.map((e) => e.start!.dateTime)).toEqual([
      "2030-10-25T09:30:00+01:00",
      "2030-10-27T09:30:00Z".replace("Z", "+00:00"),
      "2030-10-29T09:30:00+00:00",
      "2030-10-31T09:30:00+00:00",
      "2030-11-02T09:30:00+00:00",
    ]);

    await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Gym MWF",
        start: { dateTime: "2030-06-03T07:00:00", timeZone: LA },
        end: { dateTime: "2030-06-03T08:00:00", timeZone: LA },
        recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=5"],
      },
    });
    const gym = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      q: "Gym",
    });
    expect(gym.data.items!.map((e) => e.start!.dateTime!.slice(0, 10))).toEqual([
      "2030-06-03",
      "2030-06-05",
      "2030-06-07",
      "2030-06-10",
      "2030-06-12",
    ]);

    await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Month-end review",
        start: { dateTime: "2030-01-25T15:00:00", timeZone: LA },
        end: { dateTime: "2030-01-25T16:00:00", timeZone: LA },
        recurrence: ["RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"],
      },
    });
    const monthly = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      q: "Month-end",
    });
    expect(monthly.data.items!.map((e) => e.start!.dateTime!.slice(0, 10))).toEqual([
      "2030-01-25",
      "2030-02-22",
      "2030-03-29",
    ]);
  });

  it("applies exceptions: a moved instance replaces its occurrence, a cancelled one disappears (tombstone with showDeleted)", async () => {
    const cal = calendarClient(sim, ALICE);
    const series = await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Team lunch",
        start: { dateTime: "2030-05-06T12:00:00", timeZone: LA },
        end: { dateTime: "2030-05-06T13:00:00", timeZone: LA },
        recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
      },
    });
    const id = series.data.id!;
    const moved = await cal.events.patch({
      calendarId: "primary",
      eventId: `${id}_20300513T190000Z`,
      requestBody: {
        start: { dateTime: "2030-05-14T12:00:00", timeZone: LA },
        end: { dateTime: "2030-05-14T13:00:00", timeZone: LA },
      },
    });
    expect(moved.data.recurringEventId).toBe(id);
    await cal.events.delete({ calendarId: "primary", eventId: `${id}_20300520T190000Z` });

    const expanded = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      q: "Team lunch",
    });
    expect(expanded.data.items!.map((e) => e.start!.dateTime)).toEqual([
      "2030-05-06T12:00:00-07:00",
      "2030-05-14T12:00:00-07:00",
    ]);

    const withDeleted = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      showDeleted: true,
      timeMin: "2030-05-19T00:00:00Z",
      timeMax: "2030-05-22T00:00:00Z",
    });
    const tomb = withDeleted.data.items!.find((e) => e.id === `${id}_20300520T190000Z`)!;
    expect(tomb).toMatchObject({ status: "cancelled", recurringEventId: id });
    expect(tomb.originalStartTime!.dateTime).toBe("2030-05-20T12:00:00-07:00");
    expect(tomb.summary).toBeUndefined();

    // Documented quirk: with showDeleted=false and singleEvents=false, cancelled instances of a live series are still listed.
    const raw = await cal.events.list({ calendarId: "primary", iCalUID: series.data.iCalUID! });
    expect(raw.data.items!.map((e) => e.status).sort()).toEqual(["cancelled", "confirmed", "confirmed"]);
  });

  it("requires timeZone for recurring timed events and singleEvents for orderBy=startTime", async () => {
    const cal = calendarClient(sim, ALICE);
    const noZone = await googleError(
      cal.events.insert({
        calendarId: "primary",
        requestBody: {
          summary: "x",
          start: { dateTime: "2030-05-06T12:00:00-07:00" },
          end: { dateTime: "2030-05-06T13:00:00-07:00" },
          recurrence: ["RRULE:FREQ=DAILY"],
        },
      }),
    );
    expect(noZone.status).toBe(400);
    expect(noZone.body.error.message).toBe("Missing time zone definition for start time.");
    const order = await googleError(cal.events.list({ calendarId: "primary", orderBy: "startTime" }));
    expect(order.status).toBe(400);
    const badRule = await googleError(
      cal.events.insert({
        calendarId: "primary",
        requestBody: {
          start: { dateTime: "2030-05-06T12:00:00", timeZone: LA },
          end: { dateTime: "2030-05-06T13:00:00", timeZone: LA },
          recurrence: ["RRULE:FREQ=SOMETIMES"],
        },
      }),
    );
    expect(badRule.status).toBe(400);
  });

  it("treats all-day end dates as exclusive and expands all-day series by date", async () => {
    const cal = calendarClient(sim, ALICE);
    const ooo = await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Holiday",
        start: { date: "2030-07-01" },
        end: { date: "2030-07-02" },
        recurrence: ["RRULE:FREQ=YEARLY;COUNT=2"],
      },
    });
    const items = (
      await cal.events.list({ calendarId: "primary", singleEvents: true, orderBy: "startTime", q: "Holiday" })
    ).data.items!;
    expect(items.map((e) => [e.start!.date, e.end!.date, e.id])).toEqual([
      ["2030-07-01", "2030-07-02", `${ooo.data.id}_20300701`],
      ["2031-07-01", "2031-07-02", `${ooo.data.id}_20310701`],
    ]);
    // The day after is free.
    const fb = await cal.freebusy.query({
      requestBody: {
        timeMin: "2030-07-02T07:00:00Z",
        timeMax: "2030-07-03T07:00:00Z",
        items: [{ id: ALICE }],
      },
    });
    expect(fb.data.calendars![ALICE]!.busy).toEqual([]);
  });
});
