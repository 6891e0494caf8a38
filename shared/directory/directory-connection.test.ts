// The other way to connect the directory: an admin's own `directory` grant from the token vault (not
// domain-wide delegation). And deprovisioning reaching identity: the person's Google grants are revoked
// at Google and deleted, through identity's small offboarding interface.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { CLIENT, ORG, seedGrant, silentLog } from "../identity/test/identity-test-support";
import { fullSyncStep } from "./directory-sync";
import { handleDirectorySync } from "./directory-sync-worker";
import { directoryWatchTeardown } from "./directory-teardown";
import { accountIdFor } from "./provisioning-diff";
import { defaultSettings, type TestDirectory, testDirectory } from "./test/directory-test-support";

const emulators = useEmulators("dirconn");
const DOMAIN = "grant.example";
const ROOT = { userId: "u-root", email: `root@${DOMAIN}`, role: "admin" as const };
let sim: RunningWorkspaceSim;
let dir: TestDirectory;

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      domain: DOMAIN,
      orgUnits: ["/Sales"],
      users: [
        { email: ROOT.email, givenName: "Root", familyName: "Admin", isAdmin: true },
        { email: `dora@${DOMAIN}`, givenName: "Dora", familyName: "Test", orgUnitPath: "/Sales" },
      ],
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/oauth/google/callback"] }],
    },
    saml: false,
  });
  // Pushes go nowhere here; the channel itself is what these tests look at.
  dir = await testDirectory(sim, emulators.projectId, { webhooksUrl: "http://127.0.0.1:9" });
  await dir.services.settings.saveConnection(ORG, { mode: "admin_grant", adminUserId: ROOT.userId });
  await dir.services.settings.save(ORG, defaultSettings({ gracePeriodDays: 0, deprovisioning: "remove" }));
});

afterAll(async () => {
  await sim?.stop();
  await dir?.db.terminate();
});

describe("directory connection through an admin's grant", () => {
  it("syncs with the admin's own directory grant from the vault, as that admin", async () => {
    const identity = dir.services.env.identity;
    await seedGrant(identity, sim, ROOT, { integrations: ["directory"] });
    const outcome = await fullSyncStep(dir.services, ORG);
    expect(outcome).toMatchObject({ status: "done", summary: { users: 2 } });
    const calls = sim.control.requests({ api: "directory" });
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((c) => c.user))).toEqual(new Set([ROOT.email]));
  });

  it("disconnecting the admin's directory grant stops the org's users.watch channel at Google", async () => {
    const identity = dir.services.env.identity;
    await seedGrant(identity, sim, ROOT, { integrations: ["directory"] });
    await handleDirectorySync(dir.services, { kind: "full-sync", orgId: ORG, reason: "admin" }, silentLog);
    expect(sim.control.channels()).toHaveLength(1);
    const teardown = directoryWatchTeardown(() => dir.services);
    // Someone else's grant is not what the directory runs on: nothing stops.
    await teardown.run({ orgId: ORG, userId: "u-someone", integration: "directory" });
    expect(sim.control.channels()).toHaveLength(1);
    await teardown.run({ orgId: ORG, userId: ROOT.userId, integration: "directory" });
    expect(sim.control.channels()).toEqual([]);
  });

  it("deprovisioning revokes the person's Google grants at Google and deletes them", async () => {
    const identity = dir.services.env.identity;
    const dora = {
      userId: accountIdFor(String(sim.control.userResource(`dora@${DOMAIN}`).id)),
      email: `dora@${DOMAIN}`,
      role: "user" as const,
    };
    expect(await dir.services.apply.users.get(ORG, dora.userId)).toMatchObject({ licensed: true });
    await seedGrant(identity, sim, dora, { integrations: ["contacts"] });
    expect(sim.control.liveRefreshTokenCount(dora.email, CLIENT.clientId)).toBe(1);
    sim.control.deleteUser(dora.email);
    await fullSyncStep(dir.services, ORG, "reconcile");
    expect(await dir.services.apply.users.get(ORG, dora.userId)).toMatchObject({
      status: "deprovisioned",
      licensed: false,
    });
    expect(await identity.grants().listForUser(ORG, dora.userId)).toEqual([]);
    expect(sim.control.liveRefreshTokenCount(dora.email, CLIENT.clientId)).toBe(0);
  });
});
