// Provisioning scenarios end to end: the simulated Workspace (acting as people and admins, its clock and
// faults), the directory sync use cases with the real Directory adapter (domain-wide delegation through
// the JWT client, token URL from configuration), and the Firestore emulator.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { admin } from "@googleapis/admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import {
  googleApiOptions,
  type RunningWorkspaceSim,
  simServiceAccountClient,
  startWorkspaceSim,
} from "../../tools/workspace-sim/src/index";
import type { UserAccount } from "../accounts/user-repository";
import { firestoreRefreshSessions } from "../identity/refresh-sessions";
import { bearerAuthenticator, sessionTokenService } from "../identity/session-tokens";
import { silentLog, testSecrets } from "../identity/test/identity-test-support";
import { createHttpHandler } from "../platform/http";
import { directoryAdminRoutes } from "./directory-routes";
import { fullSyncStep, type PushHint, syncChangedUser } from "./directory-sync";
import { accountIdFor } from "./provisioning-diff";
import {
  defaultSettings,
  SA_EMAIL,
  serviceAccountSeed,
  type TestDirectory,
  testDirectory,
} from "./test/directory-test-support";

const emulators = useEmulators("dirprov");
const ORG = "acme";
const DOMAIN = "acme.example";
const DAY = 24 * 3600 * 1000;
const USER_WRITE_SCOPE = "https://www.googleapis.com/auth/admin.directory.user";
let sim: RunningWorkspaceSim;
let dir: TestDirectory;
let server: Server;
let base: string;
let adminToken: string;

const email = (name: string) => `${name}@${DOMAIN}`;
const wsId = (name: string) => String(sim.control.userResource(email(name)).id);
const account = async (name: string): Promise<UserAccount | undefined> =>
  (await dir.services.apply.users.listAll(ORG)).find(
    (a) => a.workspaceId === wsId(name) || a.email === email(name),
  );
/**
 * What a push for this person makes the directory-sync worker do. The push body is slim ({kind, id,
 * etag, primaryEmail}); the webhook hands on the id, the email and the resource state (the event).
 */
const pushFor = (name: string, event: PushHint["event"] = "update") =>
  syncChangedUser(dir.services, ORG, wsId(name), { primaryEmail: email(name), event });
const reconcile = async () => {
  const outcome = await fullSyncStep(dir.services, ORG, "reconcile");
  expect(outcome.status).toBe("done");
  return outcome as Extract<typeof outcome, { status: "done" }>;
};
const person = (name: string, orgUnitPath = "/Sales") => ({
  email: email(name),
  givenName: name[0]!.toUpperCase() + name.slice(1),
  familyName: "Test",
  orgUnitPath,
});
const published = (topic: string) =>
  dir.publisher.messages.filter((m) => m.topic === topic).map((m) => m.payload as Record<string, unknown>);

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      id: ORG,
      domain: DOMAIN,
      orgUnits: ["/Sales", "/Sales/EMEA", "/Support"],
      users: [
        { ...person("root", "/"), isAdmin: true },
        person("ada"),
        person("bob", "/Sales/EMEA"),
        person("carol"),
        person("dave"),
        person("erin"),
        person("frank"),
        person("sam", "/Support"),
      ],
      serviceAccounts: [serviceAccountSeed([USER_WRITE_SCOPE])],
    },
    saml: false,
  });
  dir = await testDirectory(sim, emulators.projectId);
  await dir.services.settings.saveConnection(ORG, { mode: "delegation", impersonate: email("root") });
  await dir.services.settings.save(ORG, defaultSettings());
  // Carol already has a manual account: provisioning must link it, not duplicate it.
  await dir.services.apply.users.create({
    id: "u-carol",
    orgId: ORG,
    email: email("carol"),
    role: "user",
    status: "active",
    licensed: true,
  });
  // Sam's manual account is outside provisioning's reach (out of scope, never linked).
  await dir.services.apply.users.create({
    id: "u-sam",
    orgId: ORG,
    email: email("sam"),
    role: "admin",
    status: "active",
    licensed: true,
  });

  const secrets = await testSecrets();
  const tokens = sessionTokenService(secrets);
  adminToken = (
    await tokens.issue({
      orgId: ORG,
      userId: "u-sam",
      email: email("sam"),
      role: "admin",
      sessionId: "s-admin",
    })
  ).accessToken;
  const handler = createHttpHandler(
    directoryAdminRoutes(() => dir.services),
    {
      maxBodyBytes: 64 * 1024,
      log: silentLog,
      authenticate: bearerAuthenticator(() => tokens),
    },
  );
  http("directory-admin-test", handler);
  server = getTestServer("directory-admin-test");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await sim?.stop();
  await dir?.db.terminate();
});

describe("directory provisioning scenarios", () => {
  it("a first full sync provisions everyone in scope, links the manual account by email and leaves others alone", async () => {
    const { summary } = await reconcile();
    expect(summary.users).toBe(8);
    for (const name of ["ada", "bob", "dave", "erin", "frank"]) {
      expect(await account(name)).toMatchObject({
        id: accountIdFor(wsId(name)),
        status: "active",
        licensed: true,
        managedBy: "provisioning",
      });
    }
    expect(await account("carol")).toMatchObject({
      id: "u-carol",
      workspaceId: wsId("carol"),
      managedBy: "provisioning",
    });
    expect(await account("bob")).toMatchObject({ department: "/Sales/EMEA", orgUnitPath: "/Sales/EMEA" });
    const sam = await account("sam");
    expect(sam).toMatchObject({ id: "u-sam", role: "admin" });
    expect(sam?.workspaceId).toBeUndefined();
    expect(
      published("user-provisioning")
        .map((e) => e.action)
        .sort(),
    ).toEqual(["created", "created", "created", "created", "created", "linked"]);
    expect(published("audit-events").some((e) => e.action === "provisioning.linked")).toBe(true);
    const departments = await dir.db.collection(`orgs/${ORG}/departments`).get();
    expect(
      Object.fromEntries(
        departments.docs.map((d) => [d.get("name"), (d.get("memberAccountIds") as string[]).length]),
      ),
    ).toEqual({
      "/Sales": 5,
      "/Sales/EMEA": 1,
    });
  });

  it("a new hire in scope gets an account and a licence from the add push, although Google answers 404 by id while the user is being created", async () => {
    sim.control.addUser(person("nina"));
    const notFound = sim.control.requestCount({ method: "directory.users.get", status: 404 });
    const result = await pushFor("nina", "add");
    // By id the new user was not found yet; by the push's primary email it was.
    expect(sim.control.requestCount({ method: "directory.users.get", status: 404 })).toBe(notFound + 1);
    expect(result.changed).toBe(true);
    expect(await account("nina")).toMatchObject({
      status: "active",
      licensed: true,
      email: email("nina"),
      displayName: "Nina Test",
    });
  });

  it("a rename updates the account's name", async () => {
    sim.control.renameUser(email("ada"), { familyName: "Lovelace" });
    await pushFor("ada");
    expect(await account("ada")).toMatchObject({
      displayName: "Ada Lovelace",
      status: "active",
      licensed: true,
    });
  });

  it("a move out of scope starts the grace period, and moving back within it restores the same account", async () => {
    const before = await account("bob");
    sim.control.moveUser(email("bob"), "/Support");
    await pushFor("bob");
    const pending = await account("bob");
    expect(pending).toMatchObject({
      status: "active",
      licensed: true,
      pendingDeprovision: { reason: "left_scope" },
    });
    dir.advance(3 * DAY);
    await reconcile(); // within grace: nothing happens yet
    expect((await account("bob"))?.licensed).toBe(true);
    sim.control.moveUser(email("bob"), "/Sales/EMEA");
    await pushFor("bob");
    const back = await account("bob");
    expect(back).toMatchObject({
      id: before?.id,
      status: "active",
      licensed: true,
      pendingDeprovision: null,
      department: "/Sales/EMEA",
    });
  });

  it("a suspension in Workspace revokes the licence and the sessions at once", async () => {
    const sessions = firestoreRefreshSessions(dir.db);
    const { sessionId } = await sessions.start(ORG, "u-carol");
    sim.control.suspendUser(email("carol"));
    await pushFor("carol");
    expect(await account("carol")).toMatchObject({ status: "suspended", licensed: false });
    expect(await sessions.isActive(ORG, sessionId)).toBe(false);
  });

  it("a deletion past the grace period runs the deprovisioning action: licence freed, sessions revoked", async () => {
    const sessions = firestoreRefreshSessions(dir.db, dir.now);
    const daveId = accountIdFor(wsId("dave"));
    const { sessionId } = await sessions.start(ORG, daveId);
    sim.control.deleteUser(email("dave"));
    await pushFor("dave", "delete");
    expect(await dir.services.apply.users.get(ORG, daveId)).toMatchObject({
      licensed: true,
      pendingDeprovision: { reason: "deleted_in_workspace" },
    });
    dir.advance(8 * DAY);
    await reconcile();
    const gone = await dir.services.apply.users.get(ORG, daveId);
    expect(gone).toMatchObject({ status: "suspended", licensed: false, pendingDeprovision: null });
    expect(gone?.deprovisionedAt).toBeTruthy();
    expect(await sessions.isActive(ORG, sessionId)).toBe(false);
    expect(
      published("user-provisioning")
        .filter((e) => e.accountId === daveId)
        .map((e) => e.action),
    ).toEqual(["created", "grace_started", "deprovisioned"]);
  });

  it("an undelete within grace restores the account with nothing lost", async () => {
    const erin = await account("erin");
    sim.control.deleteUser(email("erin"));
    await pushFor("erin", "delete");
    expect((await account("erin"))?.pendingDeprovision).toMatchObject({ reason: "deleted_in_workspace" });
    dir.advance(2 * DAY);
    sim.control.undeleteUser(email("erin"));
    await pushFor("erin", "undelete");
    expect(await account("erin")).toMatchObject({
      id: erin?.id,
      status: "active",
      licensed: true,
      pendingDeprovision: null,
      createdAt: erin?.createdAt,
    });
  });

  it("a duplicate email is reported, not provisioned, until the directory resolves it", async () => {
    // Frank's address is reassigned to a new person; until the rename reaches us, two people claim it.
    const auth = simServiceAccountClient(sim.url, sim.control.serviceAccountKey(SA_EMAIL), {
      scopes: [USER_WRITE_SCOPE],
      subject: email("root"),
    });
    const directory = admin({ version: "directory_v1", ...googleApiOptions(sim.url, auth) });
    const frankId = wsId("frank");
    await directory.users.patch({ userKey: frankId, requestBody: { primaryEmail: email("frank.old") } });
    sim.control.addUser(person("frank"));
    const newFrank = wsId("frank");
    const result = await syncChangedUser(dir.services, ORG, newFrank, {
      primaryEmail: email("frank"),
      event: "add",
    });
    expect(result.report?.duplicateEmails).toEqual([
      { email: email("frank"), workspaceIds: [frankId, newFrank].sort() },
    ]);
    expect(await dir.services.apply.users.get(ORG, accountIdFor(newFrank))).toBeUndefined();
    await reconcile();
    expect(await dir.services.apply.users.get(ORG, accountIdFor(frankId))).toMatchObject({
      email: email("frank.old"),
    });
    expect(await dir.services.apply.users.get(ORG, accountIdFor(newFrank))).toMatchObject({
      email: email("frank"),
      licensed: true,
    });
  });

  it("a seat shortage provisions what fits and reports the rest", async () => {
    const inUse = await dir.services.apply.users.countLicensed(ORG);
    await dir.services.settings.save(ORG, defaultSettings({ seatLimit: inUse + 1 }));
    sim.control.addUser(person("olga"));
    sim.control.addUser(person("pete"));
    const { provisioning } = await reconcile();
    expect(provisioning?.failed).toEqual([]);
    const { body } = await api("GET", "/v1/admin/provisioning/preview");
    expect((body.report as { seatShortage: unknown[] }).seatShortage).toEqual([
      { workspaceId: wsId("pete"), email: email("pete") },
    ]);
    expect(await account("olga")).toMatchObject({ licensed: true });
    expect(await account("pete")).toBeUndefined();
    await dir.services.settings.save(ORG, defaultSettings());
  });

  it("in preview mode, a previewed diff applies only while the directory is unchanged (409 after a change)", async () => {
    await dir.services.settings.save(ORG, defaultSettings({ mode: "preview" }));
    sim.control.addUser(person("quinn"));
    await reconcile();
    expect(await account("quinn")).toBeUndefined(); // preview mode: nothing applied by the sync
    const preview = await api("GET", "/v1/admin/provisioning/preview");
    expect(preview.status).toBe(200);
    expect(preview.body.changes).toEqual([
      expect.objectContaining({ action: "create", workspaceId: wsId("pete"), reason: "entered_scope" }),
      expect.objectContaining({ action: "create", workspaceId: wsId("quinn"), reason: "entered_scope" }),
    ]);
    sim.control.renameUser(email("quinn"), { givenName: "Quincy" });
    await pushFor("quinn", "add");
    const stale = await api("POST", "/v1/admin/provisioning/apply", {
      directoryVersion: preview.body.directoryVersion,
      diffHash: preview.body.diffHash,
    });
    expect(stale.status).toBe(409);
    expect(await account("quinn")).toBeUndefined();
    const fresh = await api("GET", "/v1/admin/provisioning/preview");
    const applied = await api("POST", "/v1/admin/provisioning/apply", {
      directoryVersion: fresh.body.directoryVersion,
      diffHash: fresh.body.diffHash,
    });
    expect(applied.status).toBe(200);
    expect(applied.body.applied).toBe(2);
    expect(await account("quinn")).toMatchObject({ displayName: "Quincy Test", licensed: true });
    await dir.services.settings.save(ORG, defaultSettings());
  });

  it("the picker lists the synced directory with Switchboard status, and invites are idempotent", async () => {
    const page = await api("GET", `/v1/admin/directory/users?ou=${encodeURIComponent("/Support")}`);
    expect(page.status).toBe(200);
    const users = page.body.users as Array<{ email: string; switchboard: { status: string } }>;
    expect(users.map((u) => [u.email, u.switchboard.status])).toEqual([[email("sam"), "active"]]);
    const refused = await api("GET", "/v1/admin/directory/users?cursor=bm90LWEtY3Vyc29y");
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "invalid_cursor", details: { parameter: "cursor" } });
    sim.control.addUser(person("tess", "/Support"));
    await pushFor("tess", "add");
    const search = await api("GET", "/v1/admin/directory/users?q=tes");
    expect(
      (search.body.users as Array<{ email: string; switchboard: { status: string } }>).map((u) => [
        u.email,
        u.switchboard.status,
      ]),
    ).toEqual([[email("tess"), "none"]]);
    const first = await api("POST", "/v1/admin/invites", { workspaceIds: [wsId("tess")] });
    const again = await api("POST", "/v1/admin/invites", { workspaceIds: [wsId("tess")] });
    expect((first.body.results as Array<{ outcome: string }>)[0]?.outcome).toBe("invited");
    expect((again.body.results as Array<{ outcome: string }>)[0]?.outcome).toBe("already_member");
    // Out of scope but invited by hand: provisioning leaves the account alone.
    await reconcile();
    const tess = await account("tess");
    expect(tess).toMatchObject({ status: "active", licensed: true, workspaceId: wsId("tess") });
    expect(tess?.managedBy).toBeUndefined();
    expect(tess?.pendingDeprovision ?? null).toBeNull();
  });

  it("the status route shows the connection, its health and the last sync", async () => {
    const { status, body } = await api("GET", "/v1/admin/directory/status");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      connection: { mode: "delegation", impersonate: email("root") },
      healthy: true,
      lastError: null,
    });
    expect(body.lastSync).toMatchObject({ kind: "reconcile", users: expect.any(Number) });
  });
});
