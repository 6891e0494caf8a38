// The calendar sync use case in-process, with the real Calendar adapter against a simulator whose clock
// is frozen on a DST change day, and the Firestore emulator: exact instants across the change, full vs
// incremental sync, 410 recovery that deletes what vanished, idempotence under redelivery, and
// presence-changed published once per visible change.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import {
  CLIENT,
  identity,
  recordingPublisher,
  seedGrant,
  silentLog,
  type TestUser,
  testDeps,
  testSecrets,
} from "../identity/test/identity-test-support";
import { PRESENCE_CHANGED_TOPIC } from "./presence-messages";
import { type PresenceServices, presenceServices } from "./presence-services";

const emulators = useEmulators("calsync");
const ORG = "org-acme";
const ada: TestUser = { userId: "u-ada", email: "ada@acme.test", role: "admin" };
const TZ = "Europe/Berlin";
let sim: RunningWorkspaceSim;
let db: Firestore;
let services: PresenceServices;
const publisher = recordingPublisher();
const user = { orgId: ORG, userId: ada.userId };

beforeAll(async () => {
  // 2026-03-29: Berlin springs forward at 02:00 CET → 03:00 CEST.
  sim = await startWorkspaceSim({
    seed: {
      domain: "acme.test",
      users: [{ email: ada.email, givenName: "Ada", familyName: "Acme", isAdmin: true }],
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/oauth/google/callback"] }],
    },
    saml: false,
    clock: { startAt: "2026-03-29T06:30:00Z", frozen: true },
  });
  sim.control.calendar.setTimeZone(sim.control.calendar.primaryCalendarId(ada.email), TZ);
  db = new Firestore({ projectId: emulators.projectId });
  const ids = identity(
    testDeps(sim, {
      projectId: emulators.projectId,
      secrets: await testSecrets(),
      publisher: recordingPublisher(),
      db,
    }),
  );
  await seedGrant(ids, sim, ada, { integrations: ["calendar"] });
  services = presenceServices({
    firestore: () => db,
    publisher,
    secrets: { get: async () => "" },
    tokens: () => ids.tokens(),
    clock: () => sim.control.now(),
    apiRootUrl: `${sim.url}/`,
    webhooksBaseUrl: undefined,
    log: silentLog,
    retry: { maxAttempts: 2, baseDelayMs: 10 },
  });
});

afterAll(async () => {
  await sim?.stop();
  await db?.terminate();
});

const changes = () => publisher.messages.filter((m) => m.topic === PRESENCE_CHANGED_TOPIC);

describe("calendar sync on a DST change day (Europe/Berlin)", () => {
  it("a full sync stores the window and keeps the calendar's zone; an all-day OOO lasts 23 hours", async () => {
    sim.control.calendar.createEvent(ada.email, {
      summary: "Away",
      eventType: "outOfOffice",
      start: { date: "2026-03-29" },
      end: { date: "2026-03-30" },
    });
    const report = await services.sync().syncUser(user);
    expect(report.calendars).toEqual([expect.objectContaining({ calendarId: "primary", mode: "full" })]);
    expect((await services.store().state(ORG, ada.userId))?.timeZone).toBe(TZ);
    const p = await services.presence().get(ORG, ada.userId);
    expect(p).toMatchObject({ state: "out_of_office" });
    expect(p?.until?.toISOString()).toBe("2026-03-29T22:00:00.000Z"); // midnight CEST
  });

  it("a daily 09:00 Berlin meeting is at 08:00Z before the change and 07:00Z after it", async () => {
    const series = sim.control.calendar.createEvent(ada.email, {
      summary: "Standup",
      start: { dateTime: "2026-03-27T09:00:00", timeZone: TZ },
      end: { dateTime: "2026-03-27T09:30:00", timeZone: TZ },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
    }) as { id: string };
    const report = await services.sync().syncUser(user);
    expect(report.calendars[0]).toMatchObject({ mode: "incremental" });
    const stored = (await services.store().entries(ORG, ada.userId)).filter(
      (e) => e.recurringEventId === series.id,
    );
    const starts = stored
      .map((e) => ("dateTime" in e.start ? new Date(e.start.dateTime).toISOString() : ""))
      .sort();
    expect(starts).toContain("2026-03-28T08:00:00.000Z");
    expect(starts).toContain("2026-03-29T07:00:00.000Z");
    expect(starts).toContain("2026-03-30T07:00:00.000Z");
  });

  it("is idempotent: a redelivered sync changes nothing and publishes nothing", async () => {
    const before = changes().length;
    const docsBefore = (await services.store().entries(ORG, ada.userId)).length;
    const version = (await services.presence().get(ORG, ada.userId))?.version;
    await services.sync().syncUser(user);
    await services.sync().syncUser(user);
    expect((await services.store().entries(ORG, ada.userId)).length).toBe(docsBefore);
    expect((await services.presence().get(ORG, ada.userId))?.version).toBe(version);
    expect(changes().length).toBe(before);
  });

  it("the OOO ends at local midnight: recomputing at 22:00Z gives available, with one presence-changed", async () => {
    const before = changes().length;
    sim.control.setClock("2026-03-29T22:00:00Z");
    await services.presence().recompute(ORG, ada.userId);
    expect((await services.presence().get(ORG, ada.userId))?.state).toBe("available");
    expect(changes().slice(before)).toEqual([
      expect.objectContaining({
        payload: expect.objectContaining({ state: "available", userId: ada.userId }),
      }),
    ]);
  });

  it("recovers from a 410: a full sync replaces what is stored and deletes what vanished", async () => {
    const gone = sim.control.calendar.createEvent(ada.email, {
      summary: "Soon gone",
      start: { dateTime: "2026-03-30T12:00:00Z" },
      end: { dateTime: "2026-03-30T13:00:00Z" },
    }) as { id: string };
    await services.sync().syncUser(user);
    expect((await services.store().entries(ORG, ada.userId)).map((e) => e.eventId)).toContain(gone.id);
    sim.control.calendar.invalidateSyncTokens(ada.email);
    // A full events.list without showDeleted returns no tombstone: only the diff finds the deletion.
    sim.control.calendar.cancelEvent(ada.email, gone.id);
    const report = await services.sync().syncUser(user);
    expect(report.calendars[0]).toMatchObject({ mode: "full", recovered410: true });
    expect(report.calendars[0]!.removals).toBeGreaterThanOrEqual(1);
    expect((await services.store().entries(ORG, ada.userId)).map((e) => e.eventId)).not.toContain(gone.id);
    // And the next sync is incremental again, with the new token.
    expect((await services.sync().syncUser(user)).calendars[0]).toMatchObject({ mode: "incremental" });
  });
});
