// Directory write-back end to end: the admin routes over real HTTP (Functions Framework), the worker
// with the real Directory adapter (domain-wide delegation through the JWT client, or an admin grant)
// against the simulated Workspace, the Firestore emulator, and the simulator's users.watch pushes
// arriving at the real webhook route. Published messages are handed to the workers they are for, as
// Pub/Sub would (the bundled function's own push path is covered in functions/directory-writeback).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useEmulators } from "../../../tools/testing/emulator-env";
import { eventually } from "../../../tools/testing/eventually";
import { type HandlerServer, serveHandler } from "../../../tools/testing/handler-server";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../../tools/workspace-sim/src/index";
import { bearerAuthenticator, sessionTokenService } from "../../identity/session-tokens";
import {
  CLIENT,
  ORG as IDENTITY_TEST_ORG,
  seedGrant,
  silentLog,
  testSecrets,
} from "../../identity/test/identity-test-support";
import { createHttpHandler } from "../../platform/http";
import { lazyPort } from "../../platform/lazy-port";
import { telephonyServiceAuthenticator } from "../../platform/service-token";
import { watchChannelLedger } from "../../platform/watch-channel-ledger";
import {
  DirectorySyncMessage,
  type DirectorySyncPayload,
  handleDirectorySync,
} from "../directory-sync-worker";
import { directoryWebhookRoutes } from "../directory-webhook";
import { accountIdFor } from "../provisioning-diff";
import {
  defaultSettings,
  serviceAccountSeed,
  TELEPHONY_TEST_TOKEN,
  type TestDirectory,
  testDirectory,
} from "../test/directory-test-support";
import type { DirectoryWriteBackPayload } from "./writeback-messages";
import { writeBackRoutes } from "./writeback-routes";
import { writeBackDeps } from "./writeback-services";
import type { WriteBackDeps } from "./writeback-user";
import { handleWriteBack } from "./writeback-worker";

const emulators = useEmulators("writeback");
const ROOT = { userId: "u-root", email: "root@acme.example", role: "admin" as const };
// The org the identity fixtures (seedGrant) write grants into.
const ORG = IDENTITY_TEST_ORG;
const DOMAIN = "acme.example";
const USER_WRITE_SCOPE = "https://www.googleapis.com/auth/admin.directory.user";
const ADMIN_WORK = { value: "+14155550100", type: "work", primary: true };
const ADA_MOBILE = { value: "+14155550199", type: "mobile" };
const direct = (value: string) => ({ value, type: "custom", customType: "Switchboard" });
const extension = (value: string) => ({ value, type: "custom", customType: "Switchboard extension" });

let sim: RunningWorkspaceSim;
let dir: TestDirectory & { publisher: { messages: Array<{ topic: string; payload: unknown }> } };
let deps: WriteBackDeps;
let api: HandlerServer;
let webhooks: HandlerServer;
let adminToken: string;
let handled = 0;

const email = (name: string) => `${name}@${DOMAIN}`;
const wsId = (name: string) => String(sim.control.userResource(email(name)).id);
const accountOf = (name: string) => accountIdFor(wsId(name));
const phonesOf = (name: string) => sim.control.userResource(email(name)).phones;
const updates = (status?: number) =>
  sim.control.requestCount({ method: "directory.users.update", ...(status ? { status } : {}) });
const call = (method: string, path: string, body?: unknown) =>
  api.call(method, path, { authorization: `Bearer ${adminToken}` }, body);
const setNumbers = (name: string, directNumber: string | null, ext: string | null = null) =>
  call("PUT", `/v1/admin/users/${accountOf(name)}/numbers`, { directNumber, extension: ext });
const published = (topic: string) =>
  dir.publisher.messages.filter((m) => m.topic === topic).map((m) => m.payload as Record<string, unknown>);

/**
 * Delivers every message published since the last drain to its worker, as Pub/Sub would: a retryable
 * failure is delivered again (up to `attempts` times), so quota storms and races must converge.
 */
async function drain(attempts = 10): Promise<void> {
  while (handled < dir.publisher.messages.length) {
    const message = dir.publisher.messages[handled++]!;
    for (let attempt = 1; ; attempt++) {
      try {
        if (message.topic === "directory-writeback")
          await handleWriteBack(deps, message.payload as DirectoryWriteBackPayload);
        else if (message.topic === "directory-sync")
          await handleDirectorySync(dir.services, message.payload as DirectorySyncPayload, silentLog);
        break;
      } catch (error) {
        if (!(error as { retryable?: boolean }).retryable || attempt >= attempts) throw error;
        // Pub/Sub redelivers after a backoff: Google's clock moves on meanwhile.
        sim.control.advanceClock(10_000);
      }
    }
  }
}

const reconcileNow = async () => {
  await dir.publisher.publish(DirectorySyncMessage, { kind: "full-sync", orgId: ORG, reason: "reconcile" });
  await drain();
};

const pushesFor = (name: string) =>
  sim.control.pushDeliveries().filter((d) => d.user === email(name) && d.status === 200).length;

/** Waits until more than `seen` pushes about this person reached the webhook, then runs what they queued. */
async function deliverPushes(name: string, seen: number): Promise<void> {
  await eventually(async () => (pushesFor(name) > seen ? true : undefined));
  await drain();
}

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      id: "acme",
      domain: DOMAIN,
      orgUnits: ["/Sales"],
      users: [
        { email: email("root"), givenName: "Root", familyName: "Admin", isAdmin: true },
        { email: email("ada"), givenName: "Ada", familyName: "Lovelace", orgUnitPath: "/Sales" },
        { email: email("bob"), givenName: "Bob", familyName: "Test", orgUnitPath: "/Sales" },
        { email: email("cy"), givenName: "Cy", familyName: "Test", orgUnitPath: "/Sales" },
        { email: email("dee"), givenName: "Dee", familyName: "Test", orgUnitPath: "/Sales" },
        { email: email("sam"), givenName: "Sam", familyName: "Manual", orgUnitPath: "/" },
      ],
      serviceAccounts: [serviceAccountSeed([USER_WRITE_SCOPE])],
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/oauth/google/callback"] }],
    },
    saml: false,
    settings: { directory: { pushBatchWindowMs: 5 } },
  });
  // The admin's and Ada's own numbers, which write-back must never touch.
  sim.control.setUserPhones(email("ada"), [ADMIN_WORK, ADA_MOBILE]);

  const tokens = sessionTokenService(await testSecrets());
  const publisherBox: { deps?: TestDirectory } = {};
  webhooks = await serveHandler(
    createHttpHandler(
      directoryWebhookRoutes({
        ledger: lazyPort(() => watchChannelLedger(dir.db)),
        publisher: {
          publish: (type, payload, opts) => publisherBox.deps!.publisher.publish(type, payload, opts),
        },
        clock: () => new Date(),
      }),
      { maxBodyBytes: 64 * 1024, log: silentLog },
    ),
  );
  dir = (await testDirectory(sim, emulators.projectId, {
    webhooksUrl: webhooks.url,
  })) as typeof dir;
  publisherBox.deps = dir;
  deps = writeBackDeps(dir.services);
  await dir.services.settings.saveConnection(ORG, { mode: "delegation", impersonate: email("root") });
  await dir.services.settings.save(
    ORG,
    defaultSettings({ scope: { kind: "orgUnits", paths: ["/Sales"], includeSubUnits: true } }),
  );
  // Sam's manual account: not managed by provisioning, so never written.
  await dir.services.apply.users.create({
    id: "u-sam",
    orgId: ORG,
    email: email("sam"),
    role: "admin",
    status: "active",
    licensed: true,
  });
  adminToken = (
    await tokens.issue({ orgId: ORG, userId: "u-sam", email: email("sam"), role: "admin", sessionId: "s-1" })
  ).accessToken;
  api = await serveHandler(
    createHttpHandler(
      writeBackRoutes(() => dir.services),
      {
        maxBodyBytes: 64 * 1024,
        log: silentLog,
        authenticate: bearerAuthenticator(() => tokens),
        authenticateService: telephonyServiceAuthenticator(() => dir.services.env.identity.deps.secrets),
      },
    ),
  );
  // A first full sync provisions Ada, Bob and Cy and opens the users.watch channel to our webhook.
  await dir.publisher.publish(DirectorySyncMessage, { kind: "full-sync", orgId: ORG, reason: "connect" });
  await drain();
  expect(sim.control.channels()).toHaveLength(1);
  expect((await call("PUT", "/v1/admin/directory/writeback", { enabled: true })).status).toBe(200);
  await drain();
});

afterAll(async () => {
  await api?.close();
  await webhooks?.close();
  await sim?.stop();
  await dir?.db.terminate();
});

beforeEach(() => {
  sim.control.clearFaults();
});

describe("directory write-back", () => {
  it("a number assigned in Switchboard appears next to the admin's own entries and leaves them intact", async () => {
    const before = updates();
    const res = await setNumbers("ada", "+1 (415) 555-0123", "204");
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      numbers: { directNumber: "+14155550123", extension: "204" },
      writeBack: "queued",
    });
    await drain();
    expect(phonesOf("ada")).toEqual([ADMIN_WORK, ADA_MOBILE, direct("+14155550123"), extension("204")]);
    expect(updates(200) - before).toBe(1);
    const status = await call("GET", `/v1/admin/users/${accountOf("ada")}/writeback`);
    expect(status.body).toMatchObject({ status: "in_sync", pending: false, writes: 1, conflicts: [] });
  });

  it("Switchboard's write comes back through the push as its own echo: no second write, no provisioning change", async () => {
    // Bob has no number of his own in Workspace, so Switchboard's entry is the only one he has.
    const seen = pushesFor("bob");
    await setNumbers("bob", "+14155550130");
    await drain();
    const writesBefore = updates();
    const provisioningEvents = published("user-provisioning").length;
    const queued = published("directory-writeback").length;
    await deliverPushes("bob", seen);
    // The push was handled (user-changed → users.get) and changed nothing.
    expect(published("directory-sync").filter((m) => m.kind === "user-changed").length).toBeGreaterThan(0);
    expect(updates()).toBe(writesBefore);
    expect(published("directory-writeback")).toHaveLength(queued);
    expect(published("user-provisioning")).toHaveLength(provisioningEvents);
    // The account's Workspace phone stays the person's own (none), not Switchboard's entry.
    expect((await dir.services.apply.users.get(ORG, accountOf("bob")))?.phone ?? null).toBeNull();
    expect((await dir.services.apply.users.get(ORG, accountOf("ada")))?.phone).toBe(ADMIN_WORK.value);
  });

  it("a change and a removal update or remove exactly Switchboard's entries", async () => {
    await setNumbers("ada", "+14155550124", "204");
    await drain();
    expect(phonesOf("ada")).toEqual([ADMIN_WORK, ADA_MOBILE, direct("+14155550124"), extension("204")]);
    await setNumbers("ada", null, null);
    await drain();
    expect(phonesOf("ada")).toEqual([ADMIN_WORK, ADA_MOBILE]);
  });

  it("the phone system can report an assignment itself, with its service token", async () => {
    const path = `/v1/telephony/orgs/${ORG}/users/${accountOf("ada")}/numbers`;
    const body = { directNumber: "+14155550125", extension: "205" };
    const refused = await api.call("PUT", path, { authorization: "Bearer not-the-token" }, body);
    expect(refused.status).toBe(401);
    const res = await api.call("PUT", path, { authorization: `Bearer ${TELEPHONY_TEST_TOKEN}` }, body);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ writeBack: "queued" });
    await drain();
    expect(phonesOf("ada")).toEqual([ADMIN_WORK, ADA_MOBILE, direct("+14155550125"), extension("205")]);
    const unknown = await api.call(
      "PUT",
      `/v1/telephony/orgs/${ORG}/users/u-nobody/numbers`,
      { authorization: `Bearer ${TELEPHONY_TEST_TOKEN}` },
      body,
    );
    expect(unknown.status).toBe(404);
    await setNumbers("ada", null, null);
    await drain();
  });

  it("the same assignment again, or a redelivered message, writes nothing", async () => {
    await setNumbers("bob", "+14155550131");
    await drain();
    const before = updates();
    const again = await setNumbers("bob", "+14155550131");
    expect(again.body).toMatchObject({ writeBack: "unchanged" });
    const message = { kind: "user" as const, orgId: ORG, userId: accountOf("bob") };
    await handleWriteBack(deps, message);
    await handleWriteBack(deps, message);
    expect(updates()).toBe(before);
    expect(phonesOf("bob")).toEqual([direct("+14155550131")]);
  });

  it("an edit made in Google to Switchboard's entry wins over a later Switchboard change, and is reported", async () => {
    await setNumbers("cy", "+14155550141");
    await drain();
    // An admin edits the entry in the Admin console; its push is lost (Google drops some), so the
    // Switchboard change below is merged against it without having seen it first.
    sim.control.injectFault({ api: "directory", dropPush: true, times: 1 });
    sim.control.setUserPhones(email("cy"), [direct("+14155550777")]);
    const before = updates();
    await setNumbers("cy", "+14155550142");
    await drain();
    expect(updates()).toBe(before);
    expect(phonesOf("cy")).toEqual([direct("+14155550777")]);
    const status = await call("GET", `/v1/admin/users/${accountOf("cy")}/writeback`);
    expect(status.body).toMatchObject({ status: "conflict", pending: false });
    expect(status.body.conflicts[0]).toMatchObject({
      field: "phones",
      google: [direct("+14155550777")],
      switchboard: [direct("+14155550142")],
    });
    const audits = published("audit-events").filter((e) => e.action === "directory.writeback_conflict");
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      target: { type: "user", id: accountOf("cy") },
      reason: "changed_in_google",
    });
    // Google's value is now the agreed one: the next Switchboard change is written over it.
    await setNumbers("cy", "+14155550143");
    await drain();
    expect(phonesOf("cy")).toEqual([direct("+14155550143")]);
  });

  it("an admin's edit landing between our read and our write is kept although Google ignores If-Match: the read before the write sees it, we merge again", async () => {
    let raced = false;
    const racing: WriteBackDeps = {
      ...deps,
      async profileApi(orgId) {
        const real = await deps.profileApi(orgId);
        return {
          ...real,
          async getProfile(userKey) {
            const profile = await real.getProfile(userKey);
            if (!raced) {
              raced = true; // the admin adds a home number just after our read
              sim.control.setUserPhones(email("dee"), [{ value: "+14155550900", type: "home" }]);
            }
            return profile;
          },
        };
      },
    };
    await call("PUT", `/v1/admin/users/${accountOf("dee")}/numbers`, {
      directNumber: "+14155550171",
      extension: null,
    });
    const gets = sim.control.requestCount({ method: "directory.users.get" });
    const writes = updates();
    await handleWriteBack(racing, { kind: "user", orgId: ORG, userId: accountOf("dee") });
    // read, check (moved), read, check, write: one write, over the admin's edit, not instead of it.
    expect(sim.control.requestCount({ method: "directory.users.get" }) - gets).toBe(4);
    expect(updates() - writes).toBe(1);
    expect(phonesOf("dee")).toEqual([{ value: "+14155550900", type: "home" }, direct("+14155550171")]);
    await drain();
  });

  it("an admin's change to Switchboard's entry made after our write is merged when its push arrives: kept, and reported", async () => {
    // Dee's profile as the race above left it, its two pushes (the admin's edit, our write) handled.
    await deliverPushes("dee", 1);
    const seen = pushesFor("dee");
    const writes = updates();
    const home = { value: "+14155550900", type: "home" };
    // The admin's console still showed an old entry and saves it back over ours (last write wins).
    sim.control.setUserPhones(email("dee"), [home, direct("+14155550170")]);
    await deliverPushes("dee", seen);
    expect(updates()).toBe(writes);
    expect(phonesOf("dee")).toEqual([home, direct("+14155550170")]);
    const status = await call("GET", `/v1/admin/users/${accountOf("dee")}/writeback`);
    expect(status.body).toMatchObject({ status: "conflict", pending: false });
    expect(status.body.conflicts[0]).toMatchObject({ field: "phones", google: [direct("+14155550170")] });
  });

  it("an account not managed by provisioning is never written, and says why", async () => {
    const before = updates();
    const res = await call("PUT", "/v1/admin/users/u-sam/numbers", {
      directNumber: "+14155550151",
      extension: null,
    });
    expect(res.status).toBe(202);
    await drain();
    expect(updates()).toBe(before);
    expect(phonesOf("sam")).toBeUndefined();
    const status = await call("GET", "/v1/admin/users/u-sam/writeback");
    expect(status.body).toMatchObject({
      status: "skipped",
      reason: "The account is not managed by directory provisioning",
    });
  });

  it("a 403 userRateLimitExceeded storm backs off, is redelivered and converges on one write", async () => {
    sim.control.injectFault({ method: "directory.users.update", fail: "403-user", times: 5 });
    const ok = updates(200);
    const refused = updates(403);
    await setNumbers("bob", "+14155550132");
    await drain(20);
    expect(phonesOf("bob")).toEqual([direct("+14155550132")]);
    expect(updates(403) - refused).toBe(5);
    expect(updates(200) - ok).toBe(1);
  });

  it("write-back off writes nothing and says so; turning it on writes what was assigned meanwhile", async () => {
    await call("PUT", "/v1/admin/directory/writeback", { enabled: false });
    const before = updates();
    const res = await setNumbers("bob", "+14155550133");
    expect(res.body).toMatchObject({ writeBack: "off" });
    await drain();
    expect(updates()).toBe(before);
    expect(phonesOf("bob")).toEqual([direct("+14155550132")]);
    const view = await call("GET", "/v1/admin/directory/writeback");
    expect(view.body.access).toEqual({ state: "off", reason: "Directory write-back is turned off" });

    await call("PUT", "/v1/admin/directory/writeback", { enabled: true });
    await drain();
    expect(phonesOf("bob")).toEqual([direct("+14155550133")]);
    expect((await call("GET", "/v1/admin/directory/writeback")).body.access).toMatchObject({
      state: "ready",
    });
  });

  it("without the write scope (an admin grant lacking it) nothing is written: needs_permission, nothing fails", async () => {
    // The admin connected the directory through their own grant, without write-back's scope.
    const identity = dir.services.env.identity;
    await seedGrant(identity, sim, ROOT, { integrations: ["directory"] });
    await dir.services.settings.saveConnection(ORG, { mode: "admin_grant", adminUserId: ROOT.userId });
    try {
      const before = updates();
      await setNumbers("bob", "+14155550134");
      await drain(1);
      expect(updates()).toBe(before);
      const status = await call("GET", `/v1/admin/users/${accountOf("bob")}/writeback`);
      expect(status.body).toMatchObject({ status: "needs_permission", pending: true });
      expect(status.body.reason).toContain("directory-writeback");
      const view = await call("GET", "/v1/admin/directory/writeback");
      expect(view.body.access).toMatchObject({ state: "needs_permission" });

      // Incremental consent: the same admin adds write-back's scope to the grant; saving the settings
      // again sweeps what was left pending, now written as that admin.
      await seedGrant(identity, sim, ROOT, { integrations: ["directory", "directory-writeback"] });
      await call("PUT", "/v1/admin/directory/writeback", { enabled: true });
      await drain();
      expect(phonesOf("bob")).toEqual([direct("+14155550134")]);
      expect(sim.control.requests({ method: "directory.users.update" }).at(-1)?.user).toBe(email("root"));
      expect((await call("GET", "/v1/admin/directory/writeback")).body.access).toMatchObject({
        state: "ready",
      });
    } finally {
      await dir.services.settings.saveConnection(ORG, { mode: "delegation", impersonate: email("root") });
    }
  });

  it("name edits are refused while Google owns names, and written once the org turns name write-back on", async () => {
    const refused = await call("PATCH", `/v1/admin/users/${accountOf("ada")}/profile`, {
      givenName: "Augusta",
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Names come from Google Workspace");
    await call("PUT", "/v1/admin/directory/writeback", { enabled: true, names: true });
    const seen = pushesFor("ada");
    const res = await call("PATCH", `/v1/admin/users/${accountOf("ada")}/profile`, { givenName: "Augusta" });
    expect(res.status).toBe(202);
    await drain();
    expect(sim.control.userResource(email("ada")).name).toMatchObject({
      givenName: "Augusta",
      familyName: "Lovelace",
    });
    // The echo brings the new name into the account through provisioning, and writes nothing more.
    const before = updates();
    await deliverPushes("ada", seen);
    expect((await dir.services.apply.users.get(ORG, accountOf("ada")))?.displayName).toBe("Augusta Lovelace");
    expect(updates()).toBe(before);
  });

  it("a user who left the provisioning scope is never written", async () => {
    sim.control.moveUser(email("cy"), "/");
    await reconcileNow();
    expect((await dir.services.apply.users.get(ORG, accountOf("cy")))?.pendingDeprovision).toBeTruthy();
    const before = updates();
    await setNumbers("cy", "+14155550149");
    await drain();
    expect(updates()).toBe(before);
    const status = await call("GET", `/v1/admin/users/${accountOf("cy")}/writeback`);
    expect(status.body).toMatchObject({
      status: "skipped",
      reason: "The user is outside the provisioning scope",
    });
  });

  it("refuses bad input with a 4xx naming the problem", async () => {
    const bad = await setNumbers("ada", "555-0123");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("directNumber");
    const ext = await call("PUT", `/v1/admin/users/${accountOf("ada")}/numbers`, {
      directNumber: null,
      extension: "12a",
    });
    expect(ext.status).toBe(400);
    expect(JSON.stringify(ext.body)).toContain("extension");
    expect(
      (await call("PUT", "/v1/admin/users/u-nobody/numbers", { directNumber: null, extension: null })).status,
    ).toBe(404);
  });

  it("a new hire's number is written although Google still answers 404 by id and 412 'User creation is not complete' (public SCIM and Apps Script code quoting Google's message): read by email, the write redelivered", async () => {
    sim.control.addUser({ email: email("neo"), givenName: "Neo", familyName: "Hire", orgUnitPath: "/Sales" });
    await dir.publisher.publish(DirectorySyncMessage, {
      kind: "user-changed",
      orgId: ORG,
      workspaceId: wsId("neo"),
      primaryEmail: email("neo"),
      event: "add",
    });
    await drain();
    const settling = updates(412);
    await setNumbers("neo", "+14155550181");
    await drain();
    expect(updates(412)).toBeGreaterThan(settling);
    expect(phonesOf("neo")).toEqual([direct("+14155550181")]);
  });
});

describe("directory write-back under domain-wide delegation without the write scope", () => {
  it("writes nothing and says which scope the super admin must authorise", async () => {
    const readOnly = await startWorkspaceSim({
      seed: {
        id: "beta",
        domain: "beta.example",
        users: [
          { email: "root@beta.example", givenName: "Root", familyName: "Admin", isAdmin: true },
          { email: "dee@beta.example", givenName: "Dee", familyName: "Test" },
        ],
        serviceAccounts: [serviceAccountSeed()], // the directory's read scopes only
      },
      saml: false,
    });
    const beta = await testDirectory(readOnly, emulators.projectId);
    try {
      const org = "beta";
      await beta.services.settings.saveConnection(org, {
        mode: "delegation",
        impersonate: "root@beta.example",
      });
      const wb = writeBackDeps(beta.services);
      await wb.settings.save(org, { enabled: true });
      const deeId = String(readOnly.control.userResource("dee@beta.example").id);
      await beta.services.apply.users.save({
        id: "u-dee",
        orgId: org,
        email: "dee@beta.example",
        role: "user",
        status: "active",
        licensed: true,
        managedBy: "provisioning",
        workspaceId: deeId,
      });
      await wb.records.change(
        org,
        "u-dee",
        { numbers: { directNumber: "+14155550161", extension: null } },
        new Date(),
      );
      const outcome = await handleWriteBack(wb, { kind: "user", orgId: org, userId: "u-dee" });
      expect(outcome).toMatchObject({ status: "needs_permission", wrote: false });
      expect((await wb.records.get(org, "u-dee"))?.reason).toContain("domain-wide delegation");
      expect(readOnly.control.requestCount({ api: "directory" })).toBe(0);
      expect(await wb.settings.access(org)).toMatchObject({ state: "needs_permission" });
    } finally {
      await readOnly.stop();
      await beta.db.terminate();
    }
  });
});
