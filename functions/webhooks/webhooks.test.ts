// Directory push notifications end to end: the simulator's users.watch pushes into the bundled webhooks
// function over real HTTP, which checks the channel and token and publishes a hint on the emulator's
// directory-sync topic; the worker (in process) refreshes the user. Forged pushes are refused; a
// dropped push is repaired by the reconcile; channels are renewed new-first.
import type { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleDirectorySync } from "../../shared/directory/directory-sync-worker";
import {
  defaultSettings,
  serviceAccountSeed,
  type TestDirectory,
  testDirectory,
} from "../../shared/directory/test/directory-test-support";
import { silentLog } from "../../shared/identity/test/identity-test-support";
import { CHANNELS_COLLECTION, watchChannelLedger } from "../../shared/platform/watch-channel-ledger";
import type { RunningFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import { createTopics, pullPublished, startFunctionForTest } from "../../tools/testing/function-harness";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";

const emulators = useEmulators("webhooks");
const ORG = "acme";
const email = (name: string) => `${name}@acme.example`;
let sim: RunningWorkspaceSim;
let webhooks: RunningFunction;
let dir: TestDirectory;
let db: Firestore;

const wsId = (name: string) => String(sim.control.userResource(email(name)).id);
const account = async (name: string) =>
  (await dir.services.apply.users.listAll(ORG)).find((a) => a.workspaceId === wsId(name));
const liveChannels = async () =>
  (await watchChannelLedger(db).live("directory", { orgId: ORG })).map((c) => c.id);

/** Hints published by the webhooks function, waiting up to `ms` for at least `atLeast` of them. */
async function hints(atLeast: number, ms = 8000): Promise<Array<{ kind: string; workspaceId?: string }>> {
  const got: Array<{ kind: string; workspaceId?: string }> = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await sim.control.drainPushes();
    got.push(
      ...((await pullPublished(emulators, "directory-sync")) as Array<{
        kind: string;
        workspaceId?: string;
      }>),
    );
    if (got.length >= atLeast && atLeast > 0) break;
    if (atLeast === 0 && Date.now() > until - ms + 1000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

beforeAll(async () => {
  [sim, webhooks] = await Promise.all([
    startWorkspaceSim({
      seed: {
        id: ORG,
        domain: "acme.example",
        orgUnits: ["/Sales"],
        users: [
          { email: email("root"), givenName: "Root", familyName: "Admin", isAdmin: true, orgUnitPath: "/" },
          { email: email("ada"), givenName: "Ada", familyName: "Test", orgUnitPath: "/Sales" },
          { email: email("bob"), givenName: "Bob", familyName: "Test", orgUnitPath: "/Sales" },
        ],
        serviceAccounts: [serviceAccountSeed()],
      },
      saml: false,
    }),
    startFunctionForTest("webhooks", emulators, {}),
    createTopics(emulators, ["directory-sync"]),
  ]);
  dir = await testDirectory(sim, emulators.projectId, { webhooksUrl: webhooks.url });
  db = dir.db;
  await dir.services.settings.saveConnection(ORG, { mode: "delegation", impersonate: email("root") });
  await dir.services.settings.save(ORG, defaultSettings());
  const first = await handleDirectorySync(
    dir.services,
    { kind: "full-sync", orgId: ORG, reason: "connect" },
    silentLog,
  );
  expect(first.status).toBe("done");
  await hints(0, 1000); // the channel's initial sync message publishes nothing
});

afterAll(async () => {
  await Promise.all([webhooks?.stop(), sim?.stop()]);
  await db?.terminate();
});

describe("directory webhooks", () => {
  it("a full sync opens a watch channel whose token is stored only hashed", async () => {
    const [id] = await liveChannels();
    expect(id).toBeDefined();
    const doc = (await db.collection(CHANNELS_COLLECTION).doc(id!).get()).data()!;
    expect(doc).toMatchObject({
      kind: "directory",
      orgId: ORG,
      status: "active",
      resourceId: expect.any(String),
      tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(Object.keys(doc)).not.toContain("token");
    expect(sim.control.channels().map((c) => c.address)).toContain(`${webhooks.url}/webhooks/directory`);
    expect(
      sim.control
        .pushDeliveries()
        .filter((d) => d.state === "sync")
        .map((d) => d.status),
    ).toEqual([200]);
  });

  it("a genuine push becomes a user-changed hint, and the worker applies the change", async () => {
    sim.control.renameUser(email("ada"), { familyName: "Lovelace" });
    const published = await hints(1);
    // The slim push body ({kind, id, etag, primaryEmail}) gives the id, the email and, in the header, the event.
    expect(published).toContainEqual({
      kind: "user-changed",
      orgId: ORG,
      workspaceId: wsId("ada"),
      primaryEmail: email("ada"),
      event: "update",
      etag: sim.control.userResource(email("ada")).etag,
    });
    for (const hint of published) await handleDirectorySync(dir.services, hint as never, silentLog);
    expect(await account("ada")).toMatchObject({ displayName: "Ada Lovelace" });
  });

  it("a push with a forged token or an unknown channel is refused and publishes nothing", async () => {
    const [id] = await liveChannels();
    sim.control.spoofPush(id!, { token: "forged" });
    sim.control.spoofPush(id!, { token: null });
    sim.control.spoofPush(id!, { unknownChannel: true });
    await sim.control.drainPushes();
    const forged = sim.control
      .pushDeliveries()
      .filter((d) => d.messageNumber > 0 && d.state === "update" && d.user === undefined);
    expect(forged.map((d) => d.status)).toEqual([403, 403, 403]);
    expect(await pullPublished(emulators, "directory-sync")).toEqual([]);
  });

  it("a dropped push is repaired by the scheduled reconcile", async () => {
    sim.control.injectFault({ dropPush: true, times: 1 });
    sim.control.renameUser(email("bob"), { familyName: "Builder" });
    expect(await hints(0, 1500)).toEqual([]);
    expect(await account("bob")).toMatchObject({ displayName: "Bob Test" });
    await handleDirectorySync(
      dir.services,
      { kind: "full-sync", orgId: ORG, reason: "reconcile" },
      silentLog,
    );
    expect(await account("bob")).toMatchObject({ displayName: "Bob Builder" });
  });

  it("a channel near expiry is renewed: the new one opens before the old one stops", async () => {
    const before = await liveChannels();
    await handleDirectorySync(
      dir.services,
      { kind: "full-sync", orgId: ORG, reason: "reconcile" },
      silentLog,
    );
    expect(await liveChannels()).toEqual(before); // plenty of life left: kept
    dir.advance(3 * 3600_000); // the next reconcile; the simulator's channels live 6 hours
    await handleDirectorySync(
      dir.services,
      { kind: "full-sync", orgId: ORG, reason: "reconcile" },
      silentLog,
    );
    const after = await liveChannels();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before.at(-1));
    const old = await watchChannelLedger(db).get(before.at(-1)!);
    expect(old).toMatchObject({ status: "stopped", replacedBy: after[0] });
    const stops = sim.control.requests({ method: "directory.channels.stop" });
    const watches = sim.control.requests({ method: "directory.users.watch" });
    expect(stops.at(-1)!.at).toBeGreaterThanOrEqual(watches.at(-1)!.at);
  });
});
