// The keep-alive worker against the simulator and the emulators: which grants a tick refreshes, and
// that a duplicated tick (same schedule slot, another message) does nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { keyOf } from "./grant-repository";
import {
  CLIENT,
  identity,
  recordingPublisher,
  seedGrant,
  silentLog,
  startSim,
  testDeps,
  testSecrets,
  USERS,
} from "./test/identity-test-support";
import { createTokenRefreshHandler, keepGrantsAlive } from "./token-refresh-worker";

const emulators = useEmulators("keepalive");
let sim: RunningWorkspaceSim;
let deps: Awaited<ReturnType<typeof testDeps>>;

beforeAll(async () => {
  sim = await startSim();
  deps = testDeps(sim, {
    projectId: emulators.projectId,
    secrets: await testSecrets(),
    publisher: recordingPublisher(),
  });
});
afterAll(async () => {
  await sim?.stop();
  await deps?.db.terminate();
});

const MIN = 60_000;
const tick = (publishTime: Date, messageId: string) => ({
  id: messageId,
  specversion: "1.0",
  type: "google.cloud.pubsub.topic.v1.messagePublished",
  source: "//pubsub.googleapis.com/projects/p/topics/token-refresh-ticks",
  data: {
    message: {
      data: Buffer.from(
        JSON.stringify({ function: "token-refresh", schedule: "*/30 * * * *", timeZone: "Etc/UTC" }),
      ).toString("base64"),
      messageId,
      publishTime: publishTime.toISOString(),
    },
  },
});

describe("token-refresh worker", () => {
  it("refreshes only keep-alive grants nearing expiry, leaves idle ones, and a duplicated tick does nothing", async () => {
    const services = identity(deps);
    const now = sim.control.now();
    const nearing = await seedGrant(services, sim, USERS.alice, {
      integrations: ["calendar"],
      keepAlive: true,
      expiresInMs: 20 * MIN,
    });
    const later = await seedGrant(services, sim, USERS.bob, {
      integrations: ["calendar"],
      keepAlive: true,
      expiresInMs: 55 * MIN,
    });
    const notKept = await seedGrant(services, sim, USERS.dave, {
      integrations: ["contacts"],
      keepAlive: false,
      expiresInMs: 10 * MIN,
    });
    const idle = await seedGrant(services, sim, USERS.erin, {
      integrations: ["calendar"],
      keepAlive: true,
      expiresInMs: 10 * MIN,
      lastUsedAt: new Date(now.getTime() - 30 * 24 * 60 * MIN),
    });
    const dead = await seedGrant(services, sim, USERS.ada, {
      integrations: ["calendar"],
      keepAlive: true,
      expiresInMs: 15 * MIN,
    });
    sim.control.revokeGrant(USERS.ada.email, CLIENT.clientId);
    sim.control.advanceClock(sim.control.settings().oauth.revocationLagMs); // revocation takes a while
    sim.control.clearRequestLog();

    // Through the function's handler: the scheduler's message, decoded and acknowledged.
    await createTokenRefreshHandler(
      () => services,
      () => silentLog,
    )(tick(now, "m-1") as never);
    expect(sim.control.requestCount({ method: "oauth.token", status: 200 })).toBe(1);
    expect(sim.control.requestCount({ method: "oauth.token", status: 400 })).toBe(1);

    const after = async (g: typeof nearing) => (await services.grants().get(keyOf(g.grant)))!;
    expect((await after(nearing)).accessTokenExpiresAt!.getTime()).toBeGreaterThan(now.getTime() + 55 * MIN);
    for (const untouched of [later, notKept, idle])
      expect((await after(untouched)).accessTokenExpiresAt).toEqual(untouched.grant.accessTokenExpiresAt);
    expect((await after(dead)).status).toBe("needs_reauth");

    // Cloud Scheduler published the same slot twice (another message id, a few seconds later).
    sim.control.clearRequestLog();
    const report = await keepGrantsAlive(services, new Date(now.getTime() + 5_000), silentLog);
    expect(report.duplicate).toBe(true);
    expect(sim.control.requestCount({ method: "oauth.token" })).toBe(0);
  });

  it("counts each outcome of a tick", async () => {
    const services = identity(deps);
    const now = sim.control.now();
    await services.grants().mutate(
      keyOf(
        (
          await seedGrant(services, sim, USERS.bob, {
            integrations: ["drive"],
            keepAlive: true,
            expiresInMs: 5 * MIN,
          })
        ).grant,
      ),
      (g) => (g ? { write: g } : undefined),
    );
    const report = await keepGrantsAlive(services, new Date(now.getTime() + 3 * 3600_000), silentLog);
    expect(report).toMatchObject({ duplicate: false, renewed: 1, idle: 1 });
  });
});
