// A contact-sync fan-out tick killed half-way is finished by its redelivery: the slot is recorded
// "processing" (renewed while the tick runs) and "done" only after the last page, so the redelivery
// neither counts as a duplicate nor starts over. Real path: Pub/Sub emulator → delivery bridge → the
// bundled contact-sync-fanout function (killed with SIGKILL and restarted by the local stack's
// supervisor) → contact-sync requests on the Pub/Sub emulator.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningFunction, startFunction } from "../../tools/stack/function-process";
import { type PubSubWiring, pubsubClient, wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import { createTopics, pullPublished } from "../../tools/testing/function-harness";
import { loadManifest } from "../manifest";

const emulators = useEmulators("fanoutkill");
// Enough attempts to outlast the restart and the dead run's 2 s claim.
const spec = {
  ...loadManifest().functions.find((f) => f.name === "contact-sync-fanout")!,
  maxDeliveryAttempts: 60,
};
const USERS = 120;
let fn: RunningFunction;
let wiring: PubSubWiring;
let db: Firestore;

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  await createTopics(emulators, ["contact-sync"]);
  const batch = db.batch();
  for (let i = 0; i < USERS; i++) {
    const userId = `u${String(i).padStart(3, "0")}`;
    batch.set(db.doc(`orgs/org-k/users/${userId}/grants/g1`), {
      orgId: "org-k",
      userId,
      status: "connected",
      integrations: ["contacts"],
    });
  }
  await batch.commit();
  fn = await startFunction(spec, {
    // One grant per page: every page is a checkpoint, so the kill lands between two of them.
    env: {
      ...emulators.env,
      SWITCHBOARD_ENV: "test",
      TICK_LEASE_MS: "2000",
      CONTACT_SYNC_FANOUT_PAGE_SIZE: "1",
      // Every 5-minute slot sweeps every connected person, whenever the test runs.
      CONTACT_SYNC_IDLE_MINUTES: "5",
    },
    restartBackoff: { initialMs: 50, maximumMs: 1_000 },
  });
  wiring = await wirePubSub(
    { functions: [spec] },
    {
      projectId: emulators.projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: () => fn.url,
      backoff: { minimumMs: 500, maximumMs: 1_000 },
    },
  );
}, 120_000);

afterAll(async () => {
  await wiring?.close();
  await fn?.stop();
  await db?.terminate();
});

const slotRecords = async () =>
  (await db.collection("idempotency").get()).docs.filter((d) =>
    String(d.get("key")).startsWith("contact-sync-fanout:"),
  );

describe("contact-sync fan-out killed mid-run", () => {
  it("is completed by its redelivery: every connected user gets a request, and the slot ends done", async () => {
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic("contact-sync-ticks").publishMessage({
      json: { function: "contact-sync-fanout", schedule: "*/15 * * * *", timeZone: "Etc/UTC" },
    });
    await pubsub.close();

    // Some pages are done (checkpointed), most are not: kill the process now.
    const firstRun = await eventually(
      async () => {
        const [record] = await slotRecords();
        return (record?.get("progress")?.published ?? 0) >= 3 ? record : undefined;
      },
      60_000,
      5,
    );
    const killed = fn.process;
    killed.kill("SIGSTOP");
    killed.kill("SIGKILL");
    const [atKill] = await slotRecords();
    expect(atKill?.get("status")).toBe("processing");
    expect(atKill?.get("progress").published).toBeLessThan(USERS);
    expect(firstRun.get("attempts")).toBe(1);

    const done = await eventually(async () => {
      const [record] = await slotRecords();
      return record?.get("status") === "done" ? record : undefined;
    }, 60_000);
    expect(done.get("attempts")).toBeGreaterThanOrEqual(2);
    expect(fn.restarts).toBe(1);
    // A pull returns what the emulator has at hand: pull until every user's request has been seen.
    const requested = new Set<string>();
    await eventually(async () => {
      for (const m of (await pullPublished(emulators, "contact-sync")) as Array<{ userId: string }>)
        requested.add(m.userId);
      return requested.size >= USERS || undefined;
    });
    expect(requested.size).toBe(USERS);
  }, 180_000);
});
