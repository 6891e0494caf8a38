// presence-changed goes through an outbox: written in the presence change's own transaction, relayed
// after the commit, and relayed by the presence sweep when that publish failed. A publish that fails
// after the commit (as a crash between the two would) loses no event. Real Firestore and Pub/Sub emulators.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { createTopics, pullPublished } from "../../tools/testing/function-harness";
import { memorySecrets, silentLog } from "../identity/test/identity-test-support";
import { OUTBOX_COLLECTION } from "../platform/outbox";
import { type EventPublisher, pubsubPublisher } from "../platform/pubsub";
import { PRESENCE_CHANGED_TOPIC } from "./presence-messages";
import { presenceServices } from "./presence-services";
import { OUTBOX_RELAY_AFTER_MS, sweepPresence } from "./presence-workers";

const emulators = useEmulators("presence-outbox");
let db: Firestore;
let now = new Date("2026-07-01T09:00:00Z");
let failPublishing = false;
const real = pubsubPublisher(emulators.projectId);
// Pub/Sub refusing presence-changed right after the commit stands for a process that dies right then.
const publisher: EventPublisher = {
  publish: async (type, payload, options) => {
    if (failPublishing && type.topic === PRESENCE_CHANGED_TOPIC)
      throw new Error("14 UNAVAILABLE: publish failed");
    return real.publish(type, payload, options);
  },
};

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  await createTopics(emulators, [PRESENCE_CHANGED_TOPIC, "calendar-sync"]);
});
afterAll(() => db?.terminate());

const services = () =>
  presenceServices({
    firestore: () => db,
    publisher,
    secrets: memorySecrets({}),
    tokens: () => {
      throw new Error("no Google calls here");
    },
    clock: () => now,
    apiRootUrl: "http://127.0.0.1:9/",
    webhooksBaseUrl: undefined,
    log: silentLog,
  });

describe("presence-changed outbox", () => {
  it("delivers an event whose publish failed after the commit, through the sweep's relay, once", async () => {
    const presence = services();
    failPublishing = true;
    const { doc, changed } = await presence.presence().recompute("org-o", "u-olga", () => ({
      manual: { state: "dnd", until: null, setAt: now },
      call: null,
      callReportedAt: null,
    }));
    expect(changed).toBe(true);
    expect(doc.state).toBe("dnd");
    expect(await pullPublished(emulators, PRESENCE_CHANGED_TOPIC)).toEqual([]);
    expect((await db.collection(OUTBOX_COLLECTION).get()).size).toBe(1);

    failPublishing = false;
    now = new Date(now.getTime() + OUTBOX_RELAY_AFTER_MS + 1_000);
    const report = await sweepPresence(presence, now, silentLog);
    expect(report.outboxRelayed).toBe(1);
    const delivered = (await pullPublished(emulators, PRESENCE_CHANGED_TOPIC)) as Array<
      Record<string, unknown>
    >;
    expect(delivered).toEqual([
      expect.objectContaining({ orgId: "org-o", userId: "u-olga", state: "dnd", version: doc.version }),
    ]);
    expect((await db.collection(OUTBOX_COLLECTION).get()).size).toBe(0);
    expect((await sweepPresence(presence, now, silentLog)).outboxRelayed).toBe(0);
    expect(await pullPublished(emulators, PRESENCE_CHANGED_TOPIC)).toEqual([]);
  });

  it("publishes at once after the commit when Pub/Sub answers, leaving nothing in the outbox", async () => {
    const presence = services();
    const { doc } = await presence.presence().recompute("org-o", "u-piet", () => ({
      manual: { state: "dnd", until: null, setAt: now },
      call: null,
      callReportedAt: null,
    }));
    const delivered = (await pullPublished(emulators, PRESENCE_CHANGED_TOPIC)) as Array<
      Record<string, unknown>
    >;
    expect(delivered).toEqual([expect.objectContaining({ userId: "u-piet", version: doc.version })]);
    expect((await db.collection(OUTBOX_COLLECTION).get()).size).toBe(0);
  });
});
