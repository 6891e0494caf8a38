// The local stack supervises its function processes as Cloud Run does its instances: one that dies is
// started again on its port, and Pub/Sub's redelivery of the message it was handling is served.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { loadManifest } from "../../functions/manifest";
import { useEmulators } from "../testing/emulator-env";
import { eventually } from "../testing/eventually";
import { type RunningFunction, startFunction } from "./function-process";
import { type PubSubWiring, pubsubClient, wirePubSub } from "./pubsub-wiring";

const emulators = useEmulators("supervise");
// Enough delivery attempts (about one a second here) to outlast a restart on a busy machine.
const spec = { ...loadManifest().functions.find((f) => f.name === "audit-log")!, maxDeliveryAttempts: 60 };
let fn: RunningFunction | undefined;
let wiring: PubSubWiring | undefined;
let db: Firestore | undefined;
afterAll(async () => {
  await wiring?.close();
  await fn?.stop();
  await db?.terminate();
});

const auditEvent = (id: string) => ({
  id,
  orgId: "org-k",
  action: "stack.supervision.tested",
  outcome: "success",
  actor: { type: "system", id: "test" },
  occurredAt: new Date().toISOString(),
});

describe("function process supervision", () => {
  it("restarts a function killed mid-request on the same port, and the redelivery is served", async () => {
    const notices: string[] = [];
    fn = await startFunction(spec, {
      env: { ...emulators.env, SWITCHBOARD_ENV: "test" },
      notify: (line) => notices.push(line),
      restartBackoff: { initialMs: 50, maximumMs: 1_000 },
    });
    const running = fn;
    wiring = await wirePubSub(
      { functions: [spec] },
      { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => running.url },
    );
    const first = running.process;
    // Frozen, the process accepts the push but cannot answer it: the kill lands while it is in flight.
    first.kill("SIGSTOP");
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic("audit-events").publishMessage({ json: auditEvent("killed-1") });
    await pubsub.close();
    await eventually(async () => (wiring!.inFlight() > 0 ? true : undefined));
    first.kill("SIGKILL");

    db = new Firestore({ projectId: emulators.projectId });
    const store = db;
    await eventually(
      async () => (await store.doc("orgs/org-k/audit/killed-1").get()).exists || undefined,
      50_000,
    );
    expect(running.restarts).toBe(1);
    expect(running.process.pid).not.toBe(first.pid);
    expect(notices[0]).toBe(
      `function audit-log exited unexpectedly (signal SIGKILL); restarting it on port ${running.port} in 50 ms`,
    );
    expect(notices[1]).toBe(`function audit-log restarted on port ${running.port} (restart 1)`);
  }, 60_000);

  it("does not restart a function that was stopped", async () => {
    const notices: string[] = [];
    const stopped = await startFunction(spec, {
      env: { ...emulators.env, SWITCHBOARD_ENV: "test" },
      notify: (line) => notices.push(line),
    });
    await stopped.stop();
    expect(stopped.process.exitCode !== null || stopped.process.signalCode !== null).toBe(true);
    expect(notices).toEqual([]);
    expect(stopped.restarts).toBe(0);
  }, 60_000);
});
