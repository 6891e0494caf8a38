import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, CLIENT, googleError, startTestSim } from "../test-support";
import { calendarClient, sleep } from "./test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
  sim.control.calendar.configure({ conferenceCreateDelayMs: 0 });
});
afterAll(() => sim.stop());

let hour = 0;
const slot = () => {
  hour++;
  return {
    start: {
      dateTime: `2034-02-${String(1 + Math.floor(hour / 10)).padStart(2, "0")}T${String(8 + (hour % 10)).padStart(2, "0")}:00:00+01:00`,
      timeZone: "Europe/Berlin",
    },
    end: {
      dateTime: `2034-02-${String(1 + Math.floor(hour / 10)).padStart(2, "0")}T${String(8 + (hour % 10)).padStart(2, "0")}:30:00+01:00`,
      timeZone: "Europe/Berlin",
    },
  };
};

describe("event fields and writes", () => {
  it("round-trips the presence-relevant fields and fills the server's (etag, updated, iCalUID, htmlLink, self)", async () => {
    const cal = calendarClient(sim, ALICE);
    const res = await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        ...slot(),
        summary: "Customer call",
        description: "Agenda",
        location: "Room 4",
        status: "tentative",
        transparency: "opaque",
        visibility: "private",
        attendees: [{ email: BOB }, { email: "carol@customer.example", displayName: "Carol" }],
        extendedProperties: { private: { switchboardCallId: "c-42" } },
      },
    });
    const e = res.data;
    expect(e).toMatchObject({
      kind: "calendar#event",
      status: "tentative",
      visibility: "private",
      eventType: "default",
      organizer: { email: ALICE, self: true },
      iCalUID: `${e.id}@google.com`,
      extendedProperties: { private: { switchboardCallId: "c-42" } },
    });
    expect(e.etag).toMatch(/^"\d+"$/);
    expect(e.htmlLink).toMatch(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/);
    expect(e.start).toEqual({ dateTime: expect.stringMatching(/\+01:00$/), timeZone: "Europe/Berlin" });
    expect(e.attendees!.map((a) => [a.email, a.responseStatus])).toEqual([
      [BOB, "needsAction"],
      ["carol@customer.example", "needsAction"],
    ]);
    // Bob's copy: same id and iCalUID, his entry marked self.
    const bob = calendarClient(sim, BOB);
    const copy = await bob.events.get({ calendarId: "primary", eventId: e.id! });
    expect(copy.data.iCalUID).toBe(e.iCalUID);
    expect(copy.data.attendees!.find((a) => a.email === BOB)!.self).toBe(true);
    expect(copy.data.organizer!.self).toBeUndefined();
    // Bob declines in his calendar; Alice sees it; Bob cannot change shared fields.
    await bob.events.patch({
      calendarId: "primary",
      eventId: e.id!,
      requestBody: { attendees: [{ email: BOB, responseStatus: "declined" }] },
    });
    const after = await cal.events.get({ calendarId: "primary", eventId: e.id! });
    expect(after.data.attendees!.find((a) => a.email === BOB)!.responseStatus).toBe("declined");
    expect(after.data.etag).not.toBe(e.etag);
    const shared = await googleError(
      bob.events.patch({ calendarId: "primary", eventId: e.id!, requestBody: { summary: "Mine now" } }),
    );
    expect(shared.status).toBe(403);
    expect(shared.body.error.errors[0].reason).toBe("forbiddenForNonOrganizer");
    // Private extended properties filter.
    const found = await cal.events.list({
      calendarId: "primary",
      privateExtendedProperty: ["switchboardCallId=c-42"],
    });
    expect(found.data.items!.map((x) => x.id)).toEqual([e.id]);
  });

  it("patch merges, update replaces, delete leaves a cancelled event; eventType is immutable", async () => {
    const cal = calendarClient(sim, ALICE);
    const created = (
      await cal.events.insert({
        calendarId: "primary",
        requestBody: { ...slot(), summary: "Focus", eventType: "focusTime", description: "deep work" },
      })
    ).data;
    expect(created.eventType).toBe("focusTime");
    const patched = await cal.events.patch({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: { summary: "Focus!" },
    });
    expect(patched.data).toMatchObject({ summary: "Focus!", description: "deep work" });
    const changeType = await googleError(
      cal.events.patch({
        calendarId: "primary",
        eventId: created.id!,
        requestBody: { eventType: "default" },
      }),
    );
    expect(changeType.status).toBe(400);
    const updated = await cal.events.update({
      calendarId: "primary",
      eventId: created.id!,
      requestBody: { ...slot(), summary: "Only summary" },
    });
    expect(updated.data.description).toBeUndefined();
    expect(updated.data.eventType).toBe("focusTime");
    await cal.events.delete({ calendarId: "primary", eventId: created.id! });
    expect((await cal.events.get({ calendarId: "primary", eventId: created.id! })).data.status).toBe(
      "cancelled",
    );
    expect(
      (await googleError(cal.events.delete({ calendarId: "primary", eventId: created.id! }))).status,
    ).toBe(410);
    const fromGmail = await googleError(
      cal.events.insert({ calendarId: "primary", requestBody: { ...slot(), eventType: "fromGmail" } }),
    );
    expect(fromGmail.status).toBe(400);
    const empty = await googleError(
      cal.events.insert({
        calendarId: "primary",
        requestBody: {
          start: { dateTime: "2034-01-01T10:00:00Z" },
          end: { dateTime: "2034-01-01T09:00:00Z" },
        },
      }),
    );
    expect(empty.body.error.errors[0].reason).toBe("timeRangeEmpty");
  });

  it("creates an out-of-office day and working location; OOO blocks free/busy, working location does not", async () => {
    const cal = calendarClient(sim, BOB);
    await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        eventType: "outOfOffice",
        summary: "Out of office",
        start: { dateTime: "2034-03-01T00:00:00", timeZone: "America/Los_Angeles" },
        end: { dateTime: "2034-03-02T00:00:00", timeZone: "America/Los_Angeles" },
        outOfOfficeProperties: {
          autoDeclineMode: "declineAllConflictingInvitations",
          declineMessage: "Away",
        },
      },
    });
    await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        eventType: "workingLocation",
        start: { date: "2034-03-02" },
        end: { date: "2034-03-03" },
        transparency: "transparent",
        visibility: "public",
        workingLocationProperties: { type: "homeOffice", homeOffice: {} },
      },
    });
    const fb = await cal.freebusy.query({
      requestBody: {
        timeMin: "2034-03-01T00:00:00Z",
        timeMax: "2034-03-04T00:00:00Z",
        items: [{ id: "primary" }],
      },
    });
    expect(fb.data.calendars!.primary!.busy).toEqual([
      { start: "2034-03-01T08:00:00Z", end: "2034-03-02T08:00:00Z" },
    ]);
  });
});

describe("conferenceData", () => {
  it("ignores conference data at conferenceDataVersion=0", async () => {
    const cal = calendarClient(sim, ALICE);
    const res = await cal.events.insert({
      calendarId: "primary",
      requestBody: {
        ...slot(),
        conferenceData: {
          createRequest: { requestId: "r0", conferenceSolutionKey: { type: "hangoutsMeet" } },
        },
      },
    });
    expect(res.data.conferenceData).toBeUndefined();
  });

  it("creates a Meet: pending in the insert response, success with a meet.google.com link on the next read", async () => {
    const cal = calendarClient(sim, ALICE);
    const res = await cal.events.insert({
      calendarId: "primary",
      conferenceDataVersion: 1,
      requestBody: {
        ...slot(),
        conferenceData: {
          createRequest: { requestId: "req-1", conferenceSolutionKey: { type: "hangoutsMeet" } },
        },
      },
    });
    expect(res.data.conferenceData!.createRequest!.status!.statusCode).toBe("pending");
    expect(res.data.hangoutLink).toBeUndefined();
    const got = await cal.events.get({ calendarId: "primary", eventId: res.data.id! });
    expect(got.data.conferenceData!.createRequest!.status!.statusCode).toBe("success");
    expect(got.data.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    expect(got.data.conferenceData!.entryPoints!.find((p) => p.entryPointType === "phone")).toMatchObject({
      regionCode: "GB",
    });
  });

  it("also succeeds on its own after a short delay", async () => {
    sim.control.calendar.configure({ conferenceCreateDelayMs: 20 });
    try {
      const created = sim.control.calendar.createEvent(ALICE, {
        ...slot(),
        conferenceData: {
          createRequest: { requestId: "req-2", conferenceSolutionKey: { type: "hangoutsMeet" } },
        },
      });
      await sleep(60);
      const stored = sim.control.calendar.events(ALICE).find((e) => e.id === created.id)!;
      expect(
        (stored.conferenceData as { createRequest: { status: { statusCode: string } } }).createRequest.status
          .statusCode,
      ).toBe("success");
    } finally {
      sim.control.calendar.configure({ conferenceCreateDelayMs: 0 });
    }
  });

  it("refuses a third-party conference solution type without an add-on (400 Invalid conference type value.)", async () => {
    const cal = calendarClient(sim, ALICE);
    for (const type of ["addOn", "eventHangout"]) {
      const { status, body } = await googleError(
        cal.events.insert({
          calendarId: "primary",
          conferenceDataVersion: 1,
          requestBody: {
            ...slot(),
            conferenceData: { createRequest: { requestId: `r-${type}`, conferenceSolutionKey: { type } } },
          },
        }),
      );
      expect(status).toBe(400);
      expect(body.error.message).toBe("Invalid conference type value.");
    }
  });

  it("accepts a copy of existing conference data with video and phone entry points at version 1 (from a Marketplace add-on)", async () => {
    // Only a Calendar-conferencing add-on may write addOn data (calendar-conference.test.ts).
    sim.control.calendar.configure({ addOnClientIds: [CLIENT.clientId] });
    const cal = calendarClient(sim, ALICE);
    const conferenceData = {
      conferenceSolution: { key: { type: "addOn" }, name: "Switchboard Video" },
      conferenceId: "sb-123",
      entryPoints: [
        {
          entryPointType: "video",
          uri: "https://meet.switchboard.example/sb-123",
          label: "meet.switchboard.example/sb-123",
        },
        {
          entryPointType: "phone",
          uri: "tel:+44-20-7946-0000",
          label: "+44 20 7946 0000",
          pin: "123456",
          regionCode: "GB",
        },
      ],
    };
    const res = await cal.events.insert({
      calendarId: "primary",
      conferenceDataVersion: 1,
      requestBody: { ...slot(), conferenceData },
    });
    expect(res.data.conferenceData).toEqual(conferenceData);
    expect(res.data.hangoutLink).toBeUndefined();
    sim.control.calendar.configure({ addOnClientIds: [] });
  });
});

describe("Calendar quota", () => {
  it("answers 403 usageLimits userRateLimitExceeded over the per-user limit (or 429 rateLimitExceeded when configured)", async () => {
    sim.control.advanceClock({ minutes: 1 }); // a fresh quota window
    sim.control.calendar.configure({ requestsPerUserPerMinute: 3 });
    try {
      const cal = calendarClient(sim, "ada@acme.test");
      for (let i = 0; i < 3; i++) await cal.events.list({ calendarId: "primary" });
      const over = await googleError(cal.events.list({ calendarId: "primary" }));
      expect(over.status).toBe(403);
      expect(over.body.error.errors[0]).toMatchObject({
        domain: "usageLimits",
        reason: "userRateLimitExceeded",
      });
      // Other users have their own budget.
      expect((await calendarClient(sim, BOB).events.list({ calendarId: "primary" })).status).toBe(200);
      sim.control.calendar.configure({ rateLimitStatus: 429 });
      const over429 = await googleError(cal.events.list({ calendarId: "primary" }));
      expect(over429.status).toBe(429);
      expect(over429.body.error.errors[0].reason).toBe("rateLimitExceeded");
      sim.control.advanceClock({ minutes: 1 });
      expect((await cal.events.list({ calendarId: "primary" })).status).toBe(200);
    } finally {
      sim.control.calendar.configure({ requestsPerUserPerMinute: 600, rateLimitStatus: 403 });
    }
  });
});
