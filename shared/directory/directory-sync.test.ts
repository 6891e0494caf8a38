// Full-sync paging against the simulator: resuming after a 429 from the stored page token, continuing
// in a new message when a step runs out of time, a reconcile over an unchanged directory that writes
// nothing but its sync record and reads no user, and the page digests that let it skip reading.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { silentLog } from "../identity/test/identity-test-support";
import { AppError } from "../platform/errors";
import { PAGE_DIGEST_MAX_AGE_MS } from "./directory-snapshot";
import { fullSyncStep, syncChangedUser } from "./directory-sync";
import { handleDirectorySync } from "./directory-sync-worker";
import {
  defaultSettings,
  serviceAccountSeed,
  type TestDirectory,
  testDirectory,
} from "./test/directory-test-support";

const emulators = useEmulators("dirsync");
const ORG = "bigco";
const USERS = 1100; // three pages of 500
let sim: RunningWorkspaceSim;
let dir: TestDirectory;
/** Set to inject a fault right after the next users page has been fetched. */
let afterNextPage: (() => void) | undefined;
/** The size of the page each user was last listed on, as Google paged it (the last page is short). */
const listedPageSize = new Map<string, number>();

const listCalls = (status?: number) =>
  sim.control.requestCount({ method: "directory.users.list", ...(status !== undefined ? { status } : {}) });

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      id: ORG,
      domain: "bigco.example",
      orgUnits: ["/Generated"],
      users: [{ email: "root@bigco.example", givenName: "Root", familyName: "Admin", isAdmin: true }],
      groups: [{ email: "all@bigco.example", members: ["root@bigco.example"] }],
      generatedUsers: USERS - 1,
      serviceAccounts: [serviceAccountSeed()],
    },
    saml: false,
  });
  dir = await testDirectory(sim, emulators.projectId, {
    wrapApi: (api) => ({
      ...api,
      async listUsers(token, size) {
        const page = await api.listUsers(token, size);
        for (const u of page.items) listedPageSize.set(u.id, page.items.length);
        afterNextPage?.();
        afterNextPage = undefined;
        return page;
      },
    }),
  });
  await dir.services.settings.saveConnection(ORG, { mode: "delegation", impersonate: "root@bigco.example" });
  await dir.services.settings.save(ORG, defaultSettings({ mode: "preview" }));
});

afterAll(async () => {
  await sim?.stop();
  await dir?.db.terminate();
});

/** Live users other than root (the sync impersonates root), a different one each call. */
let picked = 0;
async function someUsers(count: number) {
  const users = (await dir.services.snapshot.allUsers(ORG)).filter((u) => !u.isAdmin && !u.deleted);
  users.sort((a, b) => a.id.localeCompare(b.id));
  picked += count;
  return users.slice(picked * 37, picked * 37 + count);
}
/** A live user other than root on a full page of 500 (not the short last page), picked by its page. */
async function aUserOnAFullPage() {
  const users = (await dir.services.snapshot.allUsers(ORG)).filter(
    (u) => !u.isAdmin && !u.deleted && listedPageSize.get(u.id) === 500,
  );
  users.sort((a, b) => a.id.localeCompare(b.id));
  return users[0];
}
const storedGivenName = async (id: string) =>
  (await dir.services.snapshot.readUsers(ORG, [id])).get(id)?.givenName;

describe("full directory sync", () => {
  // The first sync writes 1,100 users: a few seconds alone, but several times that on a loaded machine
  // (2 cores shared by many runs), so it gets more than the default 30 s before vitest gives up on it.
  it("a 429 in the middle of paging fails the step, and the retry resumes from the stored page token", async () => {
    afterNextPage = () => sim.control.injectFault({ method: "directory.users.list", fail: "429", times: 10 });
    const failed = await fullSyncStep(dir.services, ORG).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AppError);
    expect((failed as AppError).retryable).toBe(true);
    const midway = await dir.services.syncState.get(ORG);
    expect(midway.run).not.toBeNull();
    expect(midway.lastError?.message).toMatch(/throttling/);
    expect((await dir.services.syncState.lastPage(ORG, midway.run!.id))?.n).toBe(1);

    sim.control.clearFaults();
    const before = listCalls(200);
    const outcome = await fullSyncStep(dir.services, ORG);
    expect(outcome).toMatchObject({
      status: "done",
      summary: { users: USERS, pages: 3, changed: USERS, deleted: 0 },
    });
    // Pages 2 and 3 only: page 1 was not listed again.
    expect(listCalls(200) - before).toBe(2);
    expect(listCalls(200)).toBe(3);
    expect((await dir.services.syncState.get(ORG)).lastError).toBeNull();
    expect(await dir.services.snapshot.countLiveUsers(ORG)).toBe(USERS);
    expect((await dir.services.snapshot.readStructure(ORG)).groups).toEqual([
      expect.objectContaining({
        email: "all@bigco.example",
        memberIds: [String(sim.control.userResource("root@bigco.example").id)],
      }),
    ]);
  }, 120_000);

  it("a reconcile over an unchanged directory writes nothing but its sync record", async () => {
    const version = await dir.services.snapshot.version(ORG);
    dir.services.ops.writes = 0;
    dir.services.ops.reads = 0;
    const outcome = await fullSyncStep(dir.services, ORG, "reconcile");
    expect(outcome).toMatchObject({ status: "done", summary: { users: USERS, changed: 0, deleted: 0 } });
    // run start + one record per page + the finished summary; no snapshot document and no version bump.
    expect(dir.services.ops.writes).toBe(1 + 3 + 1);
    expect(await dir.services.snapshot.version(ORG)).toBe(version);
    // Every page is listed as before: its digest stands in for its 500 stored users.
    expect(dir.services.ops.reads).toBeLessThan(50);
  });

  it("a change without a push is repaired by the reconcile, which reads only that user's page", async () => {
    // Its page holds 500 users, so reading that page's stored users costs 500 reads and little more.
    const user = await aUserOnAFullPage();
    sim.control.renameUser(user!.primaryEmail, { givenName: "Renamed" });
    dir.services.ops.reads = 0;
    const outcome = await fullSyncStep(dir.services, ORG, "reconcile");
    expect(outcome).toMatchObject({ status: "done", summary: { changed: 1, deleted: 0 } });
    expect(await storedGivenName(user!.id)).toBe("Renamed");
    expect(dir.services.ops.reads).toBeGreaterThanOrEqual(500);
    expect(dir.services.ops.reads).toBeLessThan(600);
  });

  it("a change undone in Workspace whose second push was lost is still repaired (the first push dropped the page's digest)", async () => {
    const [user] = await someUsers(1);
    const original = user!.givenName;
    sim.control.renameUser(user!.primaryEmail, { givenName: "Pushed" });
    await syncChangedUser(dir.services, ORG, user!.id);
    expect(await storedGivenName(user!.id)).toBe("Pushed");
    // Google is back to what the page's last digest saw; only the dropped digest makes the reconcile look.
    sim.control.renameUser(user!.primaryEmail, { givenName: original });
    const outcome = await fullSyncStep(dir.services, ORG, "reconcile");
    expect(outcome).toMatchObject({ status: "done", summary: { changed: 1 } });
    expect(await storedGivenName(user!.id)).toBe(original);
  });

  it("users gone from the listing are marked deleted by the next full sync", async () => {
    // Not root: the sync impersonates them.
    const victim = (await dir.services.snapshot.allUsers(ORG)).find((u) => !u.isAdmin)!;
    const id = victim.id;
    sim.control.deleteUser(victim.primaryEmail);
    const outcome = await fullSyncStep(dir.services, ORG, "reconcile");
    expect(outcome).toMatchObject({ status: "done", summary: { users: USERS - 1, deleted: 1 } });
    expect((await dir.services.snapshot.readUsers(ORG, [id])).get(id)).toMatchObject({ deleted: true });
  });

  it("a step out of time stops between pages and publishes its own continuation", async () => {
    const hurried = { ...dir.services, stepBudgetMs: 0 };
    dir.publisher.messages.length = 0;
    const outcome = await handleDirectorySync(
      hurried,
      { kind: "full-sync", orgId: ORG, reason: "reconcile" },
      silentLog,
    );
    expect(outcome).toMatchObject({ status: "continue", pages: 1 });
    expect(dir.publisher.messages).toEqual([
      { topic: "directory-sync", payload: { kind: "full-sync", orgId: ORG, reason: "continue" } },
    ]);
    let next = await handleDirectorySync(
      hurried,
      { kind: "full-sync", orgId: ORG, reason: "continue" },
      silentLog,
    );
    next = await handleDirectorySync(
      hurried,
      { kind: "full-sync", orgId: ORG, reason: "continue" },
      silentLog,
    );
    expect(next).toMatchObject({ status: "done", summary: { pages: 3 } });
  });

  it("a snapshot that drifted is healed once its page digest is a day old", async () => {
    const [user] = await someUsers(1);
    // Not something Switchboard does: a document changed behind the sync's back.
    await dir.db.doc(`orgs/${ORG}/directory/${user!.id}`).update({ givenName: "Drifted", hash: "drifted" });
    await fullSyncStep(dir.services, ORG, "reconcile");
    expect(await storedGivenName(user!.id)).toBe("Drifted");
    dir.advance(PAGE_DIGEST_MAX_AGE_MS + 60_000);
    const outcome = await fullSyncStep(dir.services, ORG, "reconcile");
    expect(outcome).toMatchObject({ status: "done", summary: { changed: 1 } });
    expect(await storedGivenName(user!.id)).toBe(user!.givenName);
  });
});
