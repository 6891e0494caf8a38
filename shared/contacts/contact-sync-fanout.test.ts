// The adaptive contact-sync fan-out against the Firestore emulator: a 5-minute slot requests a sync for
// the people active in the app within the window; the hourly slot for every person with Contacts
// connected; a person quiet for longer than the window drops back to the hourly schedule.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { createLogger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import { FANOUT_DEFAULTS, fanOutContactSync } from "./contact-sync-fanout";
import { recordActivity } from "./contact-sync-schedule";

const emulators = useEmulators("fanout-adaptive");
const log = createLogger({ level: "ERROR" });
let db: Firestore;
const ORG = "org-adaptive";
const people = ["active", "idle", "lapsed", "disconnected"];

function recording() {
  const users: string[] = [];
  const publisher: EventPublisher = {
    async publish(_type, payload) {
      users.push((payload as { userId: string }).userId);
      return String(users.length);
    },
  };
  return { publisher, users };
}

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  for (const userId of people)
    await db.doc(`orgs/${ORG}/users/${userId}/grants/g1`).set({
      orgId: ORG,
      userId,
      status: userId === "disconnected" ? "revoked" : "connected",
      integrations: ["contacts"],
    });
});
afterAll(async () => {
  await db?.terminate();
});

describe("adaptive contact-sync fan-out", () => {
  it("syncs active people every 5 minutes and everyone connected hourly", async () => {
    const at = (iso: string) => new Date(`2026-12-03T${iso}Z`);
    await recordActivity(db, { orgId: ORG, userId: "active" }, at("09:50:00"));
    // Active two days ago: outside the 24-hour window.
    await recordActivity(db, { orgId: ORG, userId: "lapsed" }, new Date("2026-12-01T09:00:00Z"));

    const fiveMinutes = recording();
    const quarterPast = await fanOutContactSync(db, fiveMinutes.publisher, at("10:15:02"), log);
    expect(quarterPast).toMatchObject({ kind: "active", published: 1 });
    expect(fiveMinutes.users).toEqual(["active"]);

    const hourly = recording();
    const onTheHour = await fanOutContactSync(db, hourly.publisher, at("11:00:04"), log);
    expect(onTheHour).toMatchObject({ kind: "everyone", published: 3 });
    expect(hourly.users.sort()).toEqual(["active", "idle", "lapsed"]);

    // The next slot is a slot of its own; a redelivered tick of the same slot publishes nothing.
    const next = recording();
    expect(await fanOutContactSync(db, next.publisher, at("11:05:00"), log)).toMatchObject({ published: 1 });
    expect(await fanOutContactSync(db, next.publisher, at("11:09:59"), log)).toMatchObject({
      duplicate: true,
    });
    expect(next.users).toEqual(["active"]);
  });

  it("pages through the active people with a checkpoint per page", async () => {
    for (let i = 0; i < 7; i++)
      await recordActivity(db, { orgId: "org-pages", userId: `p${i}` }, new Date("2026-12-03T12:00:00Z"));
    const run = recording();
    const result = await fanOutContactSync(db, run.publisher, new Date("2026-12-03T12:20:00Z"), log, {
      ...FANOUT_DEFAULTS,
      pageSize: 2,
    });
    expect(result.published).toBeGreaterThanOrEqual(7);
    expect(new Set(run.users.filter((u) => u.startsWith("p")))).toEqual(
      new Set(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]),
    );
  });
});
