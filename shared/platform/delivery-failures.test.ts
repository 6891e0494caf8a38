// The delivery-failure count against the Firestore emulator: one record per message, counting attempts
// (so a redelivered failure is one message, not two), expiring with the dead-letter retention.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { DEAD_LETTER_RETENTION_MS, firestoreDeliveryFailures } from "./delivery-failures";

const emulators = useEmulators("delivery-failures");
let db: Firestore;
beforeAll(() => {
  db = new Firestore({ projectId: emulators.projectId });
});
afterAll(async () => {
  await db?.terminate();
});

describe("delivery failures", () => {
  it("counts the failed attempts of one message in one record that expires with the dead letters", async () => {
    const recorder = firestoreDeliveryFailures(() => db);
    const now = new Date("2026-12-03T12:00:00Z");
    const failure = {
      topic: "contact-sync",
      messageId: "42",
      orgId: "org-a",
      reason: "upstream_unavailable",
    };
    await recorder.record(failure, now);
    await recorder.record(failure, new Date(now.getTime() + 10_000));
    const snap = await db.collection("deliveryFailures").get();
    expect(snap.docs.map((d) => d.id)).toEqual(["contact-sync:42"]);
    expect(snap.docs[0]!.data()).toMatchObject({ topic: "contact-sync", orgId: "org-a", attempts: 2 });
    expect(snap.docs[0]!.get("expireAt").toMillis()).toBe(now.getTime() + 10_000 + DEAD_LETTER_RETENTION_MS);
  });
});
