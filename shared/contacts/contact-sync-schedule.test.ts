// A person's contact-sync schedule against the Firestore emulator: activity is recorded at most hourly,
// and opening a contact asks for a sync only when the last one is more than a few minutes old (and never
// for someone who has not synced yet), debounced like POST /v1/contacts/sync.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { EventPublisher } from "../platform/pubsub";
import { recordActivity, refreshIfStale, scheduleRef } from "./contact-sync-schedule";

const emulators = useEmulators("sync-schedule");
let db: Firestore;
beforeAll(() => {
  db = new Firestore({ projectId: emulators.projectId });
});
afterAll(async () => {
  await db?.terminate();
});

const at = (hhmm: string) => new Date(`2026-12-03T${hhmm}:00Z`);

describe("contact-sync schedule", () => {
  it("records activity at most hourly", async () => {
    const user = { orgId: "org-sched", userId: "throttled" };
    expect(await recordActivity(db, user, at("10:00"))).toBe(true);
    expect(await recordActivity(db, user, at("10:40"))).toBe(false);
    expect(await recordActivity(db, user, at("11:00"))).toBe(true);
    expect((await scheduleRef(db, user).get()).get("activeAt").toDate()).toEqual(at("11:00"));
  });

  it("asks for a sync on opening a contact only when the last sync is stale, debounced", async () => {
    const user = { orgId: "org-sched", userId: "opener" };
    const requests: unknown[] = [];
    const publisher: EventPublisher = {
      async publish(_type, payload) {
        requests.push(payload);
        return "1";
      },
    };
    const open = (now: Date, lastSyncAt: Date | null) =>
      refreshIfStale(db, publisher, user, now, async () => lastSyncAt, 30_000);

    expect(await open(at("10:00"), null)).toBe(false); // never synced: connecting starts the first sync
    expect(await open(at("10:03"), at("10:00"))).toBe(false); // 3 minutes old: fresh enough
    expect(await open(at("10:06"), at("10:00"))).toBe(true); // 6 minutes old: refresh
    expect(await open(new Date(at("10:06").getTime() + 10_000), at("10:00"))).toBe(false); // debounced
    expect(requests).toEqual([{ orgId: "org-sched", userId: "opener", reason: "user" }]);
  });
});
