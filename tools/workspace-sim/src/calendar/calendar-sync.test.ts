import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, googleError, startTestSim } from "../test-support";
import { calendarClient } from "./test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

const at = (iso: string) => ({ dateTime: iso, timeZone: "America/Los_Angeles" });

describe("Calendar incremental sync (events.list with syncToken)", () => {
  it("gives nextSyncToken only on the last page, then only the changes, with minimal cancelled tombstones", async () => {
    const cal = calendarClient(sim, ALICE);
    for (let i = 0; i < 5; i++) {
      await cal.events.insert({
        calendarId: "primary",
        requestBody: {
          summary: `Standup ${i}`,
          start: at(`2030-01-0${i + 1}T09:00:00`),
          end: at(`2030-01-0${i + 1}T09:15:00`),
        },
      });
    }
    const first = await cal.events.list({ calendarId: "primary", maxResults: 2 });
    expect(first.data.items).toHaveLength(2);
    expect(first.data.nextPageToken).toBeTruthy();
    expect(first.data.nextSyncToken).toBeUndefined();
    const second = await cal.events.list({
      calendarId: "primary",
      maxResults: 2,
      pageToken: first.data.nextPageToken!,
    });
    expect(second.data.nextSyncToken).toBeUndefined();
    const third = await cal.events.list({
      calendarId: "primary",
      maxResults: 2,
      pageToken: second.data.nextPageToken!,
    });
    expect(third.data.items).toHaveLength(1);
    expect(third.data.nextPageToken).toBeUndefined();
    const syncToken = third.data.nextSyncToken!;
    expect(syncToken).toBeTruthy();

    const victim = first.data.items![0]!;
    const moved = first.data.items![1]!;
    await cal.events.delete({ calendarId: "primary", eventId: victim.id! });
    await cal.events.patch({
      calendarId: "primary",
      eventId: moved.id!,
      requestBody: { summary: "Standup (moved)" },
    });

    const delta = await cal.events.list({ calendarId: "primary", syncToken });
    const items = delta.data.items!;
    expect(items.map((e) => e.id).sort()).toEqual([victim.id, moved.id].sort());
    const tombstone = items.find((e) => e.id === victim.id)!;
    expect(tombstone.status).toBe("cancelled");
    // A deleted single event guarantees only its id: no summary, no times.
    expect(tombstone.summary).toBeUndefined();
    expect(tombstone.start).toBeUndefined();
    expect(items.find((e) => e.id === moved.id)!.summary).toBe("Standup (moved)");
    expect(delta.data.nextSyncToken).toBeTruthy();

    // Nothing changed since: an empty delta with a fresh token.
    const empty = await cal.events.list({ calendarId: "primary", syncToken: delta.data.nextSyncToken! });
    expect(empty.data.items).toEqual([]);
  });

  it("refuses timeMin, timeMax, orderBy, q, updatedMin, iCalUID and extended-property filters with a sync token (400)", async () => {
    const cal = calendarClient(sim, ALICE);
    const full = await cal.events.list({ calendarId: "primary" });
    const syncToken = full.data.nextSyncToken!;
    const forbidden: Array<Record<string, string | boolean>> = [
      { timeMin: "2030-01-01T00:00:00Z" },
      { timeMax: "2030-01-01T00:00:00Z" },
      { orderBy: "updated" },
      { q: "standup" },
      { updatedMin: "2030-01-01T00:00:00Z" },
      { iCalUID: "x@google.com" },
      { privateExtendedProperty: "a=b" },
      { sharedExtendedProperty: "a=b" },
      { showDeleted: false },
    ];
    for (const extra of forbidden) {
      const { status, body } = await googleError(
        cal.events.list({ calendarId: "primary", syncToken, ...extra }),
      );
      expect(status, JSON.stringify(extra)).toBe(400);
      expect(body.error.errors[0].reason).toBe("syncTokenWithRequestRestrictions");
    }
    // singleEvents and showDeleted=true are allowed.
    const ok = await cal.events.list({
      calendarId: "primary",
      syncToken,
      singleEvents: true,
      showDeleted: true,
    });
    expect(ok.status).toBe(200);
  });

  it("answers 410 fullSyncRequired for an invalidated token and recovers with a full sync", async () => {
    const cal = calendarClient(sim, BOB);
    await cal.events.insert({
      calendarId: "primary",
      requestBody: { summary: "1:1", start: at("2030-02-01T10:00:00"), end: at("2030-02-01T10:30:00") },
    });
    const full = await cal.events.list({ calendarId: "primary" });
    sim.control.calendar.invalidateSyncTokens(BOB);
    const { status, body } = await googleError(
      cal.events.list({ calendarId: "primary", syncToken: full.data.nextSyncToken! }),
    );
    expect(status).toBe(410);
    expect(body.error.errors[0].reason).toBe("fullSyncRequired");
    expect(body.error.message).toBe("Sync token is no longer valid, a full sync is required.");
    // Recovery: a new full sync yields a token that works.
    const again = await cal.events.list({ calendarId: "primary" });
    expect(again.data.items!.map((e) => e.summary)).toContain("1:1");
    const delta = await cal.events.list({ calendarId: "primary", syncToken: again.data.nextSyncToken! });
    expect(delta.status).toBe(200);
  });

  it("expires sync tokens by the sim clock and after sharing changes", async () => {
    const cal = calendarClient(sim, ALICE);
    const full = await cal.events.list({ calendarId: "primary" });
    sim.control.calendar.share(ALICE, { type: "user", value: BOB, role: "reader" });
    expect(
      (await googleError(cal.events.list({ calendarId: "primary", syncToken: full.data.nextSyncToken! })))
        .status,
    ).toBe(410);
    const fresh = await cal.events.list({ calendarId: "primary" });
    sim.control.advanceClock({ days: 31 });
    expect(
      (await googleError(cal.events.list({ calendarId: "primary", syncToken: fresh.data.nextSyncToken! })))
        .status,
    ).toBe(410);
  });

  it("caps maxResults at 2500 and defaults to 250", async () => {
    const cal = calendarClient(sim, "ada@acme.test");
    const batch = [];
    for (let i = 0; i < 260; i++) {
      batch.push(
        sim.control.calendar.createEvent("ada@acme.test", {
          summary: `Slot ${i}`,
          start: { dateTime: new Date(Date.UTC(2031, 0, 1, 0, i)).toISOString() },
          end: { dateTime: new Date(Date.UTC(2031, 0, 1, 0, i + 1)).toISOString() },
        }),
      );
    }
    const page = await cal.events.list({ calendarId: "primary" });
    expect(page.data.items).toHaveLength(250);
    expect(page.data.nextPageToken).toBeTruthy();
    const big = await cal.events.list({ calendarId: "primary", maxResults: 5000 });
    expect(big.data.items).toHaveLength(260);
    expect(big.data.nextSyncToken).toBeTruthy();
  });
});
