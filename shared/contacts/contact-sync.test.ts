// The sync use case against the real People adapter, the Workspace simulator and the Firestore
// emulator: every scenario ends with both sides equal. (The push path through Pub/Sub and the bundled
// function is in functions/contact-sync/contact-sync.test.ts.)
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { googlePeopleApi } from "../google/people-api";
import type { IdentityServices } from "../identity/identity-services";
import { silentLog } from "../identity/test/identity-test-support";
import { createContact, deleteContact, updateContact } from "./contact-commands";
import { firestoreContactRepository } from "./contact-repository";
import type { ContactSyncReport } from "./contact-sync";
import { fanOutContactSync } from "./contact-sync-fanout";
import { recordActivity, scheduleRef } from "./contact-sync-schedule";
import { contactSyncStatus } from "./contact-sync-status";
import { contactSyncTeardown } from "./contact-sync-teardown";
import { runContactSync } from "./contact-sync-worker";
import {
  ALICE,
  connectAlice,
  googleSide,
  livePersonal,
  localSide,
  recordingPeople,
  startContactsSim,
  workerDeps,
} from "./test/contact-sync-test-support";

const emulators = useEmulators("contacts");
let sim: RunningWorkspaceSim;
let db: Firestore;
let services: IdentityServices;
const repo = () => firestoreContactRepository(db, ALICE);

beforeAll(async () => {
  sim = await startContactsSim();
  db = new Firestore({ projectId: emulators.projectId });
  services = await connectAlice(sim, emulators.projectId, db);
});
afterAll(async () => {
  await sim?.stop();
  await db?.terminate();
});
beforeEach(() => sim.control.clearFaults());

const people = (hooks?: Parameters<typeof recordingPeople>[1]) =>
  recordingPeople(
    googlePeopleApi({
      target: { rootUrl: sim.url },
      tokens: services.tokens(),
      user: ALICE,
      retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
    }),
    hooks,
  );

// The simulator's realistic profile: incremental sync shows a write only after syncLagMs (60 s), and
// people.get answers the previous version for readAfterWriteLagMs (10 s) after a write.
const SYNC_LAG_MS = 60_000;
/** The stale-etag path's backoff moves the simulator's clock instead of sleeping. */
const simSleep = async (ms: number) => {
  sim.control.advanceClock(ms);
};

/**
 * One sync, as the scheduler would run it a little later: the sim clock first moves past the
 * write→sync lag (unless `lagging`, to sync while Google's results still lag).
 */
async function sync(
  options: {
    directory?: boolean;
    api?: ReturnType<typeof people>;
    pageSize?: number;
    lagging?: boolean;
    etagRetry?: { maxAttempts?: number };
  } = {},
): Promise<ContactSyncReport> {
  if (!options.lagging) sim.control.advanceClock(SYNC_LAG_MS + 1000);
  const api = options.api ?? people();
  const result = await runContactSync(
    workerDeps(sim, db, services, {
      people: () => api.api,
      etagRetry: { sleep: simSleep, ...options.etagRetry },
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    }),
    ALICE,
    { directory: options.directory ?? false },
    silentLog,
  );
  if (result === "not_connected") throw new Error("not connected");
  return result;
}

const rnOf = (name: string) =>
  (
    sim.control.contacts(ALICE.email) as Array<{
      resourceName: string;
      names?: Array<{ displayName?: string }>;
    }>
  ).find((p) => p.names?.[0]?.displayName === name)?.resourceName as string;
const local = async (name: string) => (await livePersonal(db)).find((c) => c.displayName === name);
const expectBothSidesEqual = async () => expect(await localSide(db)).toEqual(googleSide(sim));

describe("contact sync between Google and Switchboard", () => {
  it("brings a contact created, edited and deleted in Google over: it appears, changes and disappears", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Grace",
      familyName: "Hopper",
      phones: ["020 7946 0001"],
    });
    const first = await sync();
    expect(first.personal.full).toBe(true);
    expect((await local("Grace Hopper"))?.fields.phones[0]?.e164).toBe("+442079460001");

    sim.control.editContact(ALICE.email, rnOf("Grace Hopper"), { emails: ["grace@navy.example"] });
    const second = await sync();
    expect(second.personal.full).toBe(false);
    expect((await local("Grace Hopper"))?.fields.emails.map((e) => e.value)).toEqual(["grace@navy.example"]);

    sim.control.deleteContact(ALICE.email, rnOf("Grace Hopper"));
    await sync();
    expect(await local("Grace Hopper")).toBeUndefined();
    await expectBothSidesEqual();
  });

  it("takes a contact created, edited and deleted in Switchboard to Google", async () => {
    const { contact } = await createContact(
      repo(),
      { givenName: "Linus", familyName: "T", phones: [{ value: "020 7946 0002", type: "work" }] },
      "GB",
      new Date(),
    );
    await sync();
    expect(googleSide(sim).some((c) => c.name === "Linus T" && c.phones[0] === "+442079460002")).toBe(true);

    await updateContact(
      repo(),
      contact.id,
      { emails: [{ value: "linus@example.org" }] },
      undefined,
      "GB",
      new Date(),
    );
    await sync();
    expect(googleSide(sim).find((c) => c.name === "Linus T")?.emails).toEqual(["linus@example.org"]);

    await deleteContact(repo(), contact.id, undefined, new Date());
    await sync();
    expect(googleSide(sim).some((c) => c.name === "Linus T")).toBe(false);
    await expectBothSidesEqual();
  });

  it("pushes many app contacts to Google in batches of 200 (creates, then updates), equal on both sides", async () => {
    const names = Array.from({ length: 250 }, (_, i) => `Batch ${String(i).padStart(3, "0")}`);
    for (const name of names)
      await createContact(repo(), { givenName: name, familyName: "Import" }, "GB", new Date());
    const created = people();
    const first = await sync({ api: created });
    expect(first.pushed.created).toBe(250);
    expect(created.calls.filter((c) => c.method === "batchCreate")).toHaveLength(2); // 200 + 50
    expect(created.calls.filter((c) => c.method === "create")).toHaveLength(0);

    for (const c of (await livePersonal(db)).filter((c) => c.displayName.startsWith("Batch ")))
      await updateContact(repo(), c.id, { familyName: "Imported" }, undefined, "GB", new Date());
    const updated = people();
    const second = await sync({ api: updated });
    expect(second.pushed.updated).toBe(250);
    expect(updated.calls.filter((c) => c.method === "batchUpdate")).toHaveLength(2);
    expect(googleSide(sim).filter((c) => c.name.endsWith(" Imported"))).toHaveLength(250);
    await expectBothSidesEqual();
    // Leave the shared account as the other scenarios expect it.
    for (const c of (await livePersonal(db)).filter((c) => c.displayName.startsWith("Batch ")))
      await deleteContact(repo(), c.id, undefined, new Date());
    await sync();
  }, 120_000);

  it("does not echo: our own write does not come back as a change, and Google's is not pushed back", async () => {
    sim.control.addContact(ALICE.email, { givenName: "Echo", familyName: "Test", phones: ["020 7946 0003"] });
    await sync();
    const before = await local("Echo Test");
    await updateContact(repo(), before!.id, { familyName: "Tested" }, undefined, "GB", new Date());
    await sync();
    const after = await local("Echo Tested");
    const recorder = people();
    await sync({ api: recorder });
    // The incremental listing returns our own update; nothing changes and nothing is written back.
    expect((await local("Echo Tested"))?.version).toBe(after?.version);
    expect(recorder.calls.filter((c) => c.method !== "list")).toEqual([]);
  });

  it("keeps concurrent edits of different fields from both sides", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Kat",
      familyName: "Johnson",
      phones: ["020 7946 0004"],
    });
    await sync();
    const kat = (await local("Kat Johnson"))!;
    await updateContact(
      repo(),
      kat.id,
      { emails: [{ value: "kat@nasa.example" }] },
      undefined,
      "GB",
      new Date(),
    );
    sim.control.editContact(ALICE.email, rnOf("Kat Johnson"), { phones: ["020 7946 0004", "020 7946 0005"] });
    await sync();
    const merged = googleSide(sim).find((c) => c.name === "Kat Johnson");
    expect(merged).toEqual({
      name: "Kat Johnson",
      phones: ["+442079460004", "+442079460005"],
      emails: ["kat@nasa.example"],
    });
    await expectBothSidesEqual();
  });

  it("resolves the same field edited on both sides for the side edited last (Google here)", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Same",
      familyName: "Field",
      phones: ["020 7946 0006"],
    });
    await sync();
    const c = (await local("Same Field"))!;
    await updateContact(
      repo(),
      c.id,
      { familyName: "Ours" },
      undefined,
      "GB",
      new Date(sim.control.now().getTime() - 60_000),
    );
    sim.control.editContact(ALICE.email, rnOf("Same Field"), { givenName: "Same", familyName: "Theirs" });
    await sync();
    expect(googleSide(sim).some((x) => x.name === "Same Theirs")).toBe(true);
    expect(await local("Same Theirs")).toBeDefined();
    await expectBothSidesEqual();
  });

  it("resolves the same field for Switchboard when it was edited here last", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Later",
      familyName: "Wins",
      phones: ["020 7946 0007"],
    });
    await sync();
    const c = (await local("Later Wins"))!;
    sim.control.editContact(ALICE.email, rnOf("Later Wins"), { givenName: "Later", familyName: "Google" });
    await updateContact(
      repo(),
      c.id,
      { familyName: "Switchboard" },
      undefined,
      "GB",
      // Google's update times come from the simulator's clock, which the syncs move ahead.
      new Date(sim.control.now().getTime() + 60_000),
    );
    await sync();
    expect(googleSide(sim).some((x) => x.name === "Later Switchboard")).toBe(true);
    await expectBothSidesEqual();
  });

  it("lets a delete in Google beat an edit here, on both sides and on every later sync", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Gone",
      familyName: "There",
      phones: ["020 7946 0008"],
    });
    await sync();
    const c = (await local("Gone There"))!;
    await updateContact(
      repo(),
      c.id,
      { emails: [{ value: "gone@example.org" }] },
      undefined,
      "GB",
      new Date(),
    );
    sim.control.deleteContact(ALICE.email, rnOf("Gone There"));
    await sync();
    await sync();
    expect(await local("Gone There")).toBeUndefined();
    expect(googleSide(sim).some((x) => x.name === "Gone There")).toBe(false);
    expect((await repo().get(c.id))?.deleted).toBe(true);
  });

  it("lets a delete here beat an edit in Google, with no resurrection later", async () => {
    sim.control.addContact(ALICE.email, { givenName: "Gone", familyName: "Here", phones: ["020 7946 0009"] });
    await sync();
    const c = (await local("Gone Here"))!;
    await deleteContact(repo(), c.id, undefined, new Date());
    sim.control.editContact(ALICE.email, rnOf("Gone Here"), { emails: ["edited@example.org"] });
    await sync();
    await sync();
    expect(googleSide(sim).some((x) => x.name === "Gone Here")).toBe(false);
    expect(await local("Gone Here")).toBeUndefined();
    await expectBothSidesEqual();
  });

  it("re-reads and merges when Google changed the contact between our read and our write (stale etag), waiting out reads that still show the old version", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Stale",
      familyName: "Etag",
      phones: ["020 7946 0010"],
    });
    await sync();
    const c = (await local("Stale Etag"))!;
    await updateContact(
      repo(),
      c.id,
      { emails: [{ value: "ours@example.org" }] },
      undefined,
      "GB",
      new Date(),
    );
    let edited = false;
    const recorder = people({
      beforeUpdate: (rn) => {
        if (edited) return;
        edited = true;
        sim.control.editContact(ALICE.email, rn, { phones: ["020 7946 0010", "020 7946 0011"] });
      },
    });
    const report = await sync({ api: recorder });
    expect(report.pushed.retried).toBe(1);
    // The first reads still answered the version we sent (read-after-write lag): waited, not merged.
    expect(recorder.calls.filter((x) => x.method === "get").length).toBeGreaterThan(1);
    expect(googleSide(sim).find((x) => x.name === "Stale Etag")).toEqual({
      name: "Stale Etag",
      phones: ["+442079460010", "+442079460011"],
      emails: ["ours@example.org"],
    });
    await expectBothSidesEqual();
  });

  it("loses neither side's edit when Google's reads lag longer than the re-read budget: the sync fails retryably and the next one finishes", async () => {
    const { readAfterWriteLagMs } = sim.control.settings().people;
    sim.control.configure({ people: { readAfterWriteLagMs: 5 * 60_000 } });
    try {
      sim.control.addContact(ALICE.email, {
        givenName: "Slow",
        familyName: "Reads",
        phones: ["020 7946 0040"],
      });
      await sync();
      const c = (await local("Slow Reads"))!;
      await updateContact(repo(), c.id, { familyName: "Reads Ours" }, undefined, "GB", new Date());
      let edited = false;
      const recorder = people({
        beforeUpdate: (rn) => {
          if (edited) return;
          edited = true;
          sim.control.editContact(ALICE.email, rn, { emails: ["theirs@example.org"] });
        },
      });
      await expect(sync({ api: recorder, etagRetry: { maxAttempts: 3 } })).rejects.toMatchObject({
        retryable: true,
      });
      expect(recorder.calls.filter((x) => x.method === "get")).toHaveLength(3);
      expect((await repo().get(c.id))?.pendingPush).toBe(true);
      sim.control.advanceClock(5 * 60_000);
      await sync();
      expect(googleSide(sim).find((x) => x.name.startsWith("Slow"))).toEqual({
        name: "Slow Reads Ours",
        phones: ["+442079460040"],
        emails: ["theirs@example.org"],
      });
      await expectBothSidesEqual();
    } finally {
      sim.control.configure({ people: { readAfterWriteLagMs } });
    }
  });

  it("sends a second edit right after the first with the etag the first update returned, not one re-read", async () => {
    const { contact } = await createContact(
      repo(),
      { givenName: "Quick", familyName: "Twice", phones: [{ value: "020 7946 0050" }] },
      "GB",
      new Date(),
    );
    await sync();
    await updateContact(repo(), contact.id, { familyName: "Twice One" }, undefined, "GB", new Date());
    await sync({ lagging: true });
    // Within Google's read lag: a get would still answer the version before "Twice One".
    await updateContact(repo(), contact.id, { familyName: "Twice Two" }, undefined, "GB", new Date());
    const recorder = people();
    const report = await sync({ api: recorder, lagging: true });
    expect(report.pushed).toMatchObject({ updated: 1, retried: 0 });
    expect(recorder.calls.filter((x) => x.method === "get")).toHaveLength(0);
    expect(googleSide(sim).filter((x) => x.name.startsWith("Quick"))).toEqual([
      { name: "Quick Twice Two", phones: ["+442079460050"], emails: [] },
    ]);
  });

  it("removes a second Google person carrying the id of a contact already linked (a create whose answer was lost), in incremental and full syncs", async () => {
    const { contact } = await createContact(
      repo(),
      { givenName: "Twice", familyName: "Created", phones: [{ value: "020 7946 0911" }] },
      "GB",
      new Date(),
    );
    await sync();
    const linked = (await repo().get(contact.id))!.google!.resourceName;
    // Google performed a create whose answer never came back, then the retry's: two people, one id.
    const ghost = () =>
      sim.control.addContact(ALICE.email, {
        givenName: "Twice",
        familyName: "Created",
        phones: ["020 7946 0911"],
        person: { clientData: [{ key: "switchboardId", value: contact.id }] },
      });
    ghost();
    const incremental = await sync();
    expect(incremental.personal.full).toBe(false);
    expect(incremental.personal.counts.duplicates_removed).toBe(1);
    expect(googleSide(sim).filter((c) => c.name === "Twice Created")).toHaveLength(1);
    expect((await livePersonal(db)).filter((c) => c.displayName === "Twice Created")).toHaveLength(1);
    expect((await repo().get(contact.id))!.google!.resourceName).toBe(linked);

    ghost();
    await db.doc(`orgs/${ALICE.orgId}/users/${ALICE.userId}/cursors/contacts`).delete();
    const full = await sync();
    expect(full.personal.full).toBe(true);
    expect(full.personal.counts.duplicates_removed).toBe(1);
    expect(googleSide(sim).filter((c) => c.name === "Twice Created")).toHaveLength(1);
    await expectBothSidesEqual();
    await deleteContact(repo(), contact.id, undefined, new Date());
    await sync();
  });

  it("merges locally when two contacts are merged in Google", async () => {
    sim.control.addContact(ALICE.email, { givenName: "Merge", familyName: "One", phones: ["020 7946 0012"] });
    sim.control.addContact(ALICE.email, {
      givenName: "Merge",
      familyName: "Two",
      emails: ["two@example.org"],
    });
    await sync();
    sim.control.mergeContacts(ALICE.email, rnOf("Merge One"), [rnOf("Merge Two")]);
    await sync();
    expect(await local("Merge Two")).toBeUndefined();
    expect((await local("Merge One"))?.fields.emails.map((e) => e.value)).toEqual(["two@example.org"]);
    await expectBothSidesEqual();
  });

  it("drops a number removed in Google, and caller-ID no longer finds it", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Two",
      familyName: "Numbers",
      phones: ["020 7946 0013", "020 7946 0014"],
    });
    await sync();
    expect((await repo().byPhone("+442079460014", 5)).length).toBe(1);
    sim.control.editContact(ALICE.email, rnOf("Two Numbers"), { phones: ["020 7946 0013"] });
    await sync();
    expect((await local("Two Numbers"))?.fields.phones.map((p) => p.e164)).toEqual(["+442079460013"]);
    expect(await repo().byPhone("+442079460014", 5)).toEqual([]);
  });

  it("links a contact made here to the same person made in Google instead of duplicating it", async () => {
    await createContact(
      repo(),
      { givenName: "Dup", phones: [{ value: "+44 20 7946 0015" }] },
      "GB",
      new Date(),
    );
    sim.control.addContact(ALICE.email, {
      givenName: "Dup",
      familyName: "Licate",
      phones: ["020 7946 0015"],
    });
    await sync();
    expect(
      (await livePersonal(db)).filter((c) => c.fields.phones.some((p) => p.e164 === "+442079460015")),
    ).toHaveLength(1);
    expect(googleSide(sim).filter((c) => c.phones.includes("+442079460015"))).toHaveLength(1);
    await expectBothSidesEqual();
  });

  it("runs a full snapshot when the sync token expired, applying deletions made meanwhile, without duplicates", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Expired",
      familyName: "Token",
      phones: ["020 7946 0016"],
    });
    await sync();
    const count = (await livePersonal(db)).length;
    sim.control.configure({ people: { syncTokenLifetimeMs: 0 } });
    sim.control.deleteContact(ALICE.email, rnOf("Expired Token"));
    try {
      const report = await sync();
      expect(report.personal.full).toBe(true);
    } finally {
      sim.control.configure({ people: { syncTokenLifetimeMs: 7 * 24 * 3600_000 } });
    }
    expect(await local("Expired Token")).toBeUndefined();
    expect((await livePersonal(db)).length).toBe(count - 1);
    expect((await sync()).personal.full).toBe(false);
    await expectBothSidesEqual();
  });

  it("recovers from a lost cursor with a full sync that creates no duplicates", async () => {
    const before = await localSide(db);
    await db.doc(`orgs/${ALICE.orgId}/users/${ALICE.userId}/cursors/contacts`).delete();
    const report = await sync();
    expect(report.personal.full).toBe(true);
    expect(report.personal.counts.created ?? 0).toBe(0);
    expect(await localSide(db)).toEqual(before);
    await expectBothSidesEqual();
  });

  it("resumes a full sync interrupted by a 429 storm from the stored page token, not from scratch", async () => {
    for (let i = 0; i < 6; i++)
      sim.control.addContact(ALICE.email, {
        givenName: "Storm",
        familyName: `N${i}`,
        phones: [`020 7946 01${20 + i}`],
      });
    await db.doc(`orgs/${ALICE.orgId}/users/${ALICE.userId}/cursors/contacts`).delete();
    const storm = people({
      afterList: (page) => {
        if (page === 2)
          sim.control.injectFault({
            api: "people",
            method: "people.connections.list",
            fail: "429",
            times: 20,
          });
      },
    });
    await expect(sync({ api: storm, pageSize: 5 })).rejects.toThrow(/throttling/);
    const cursor = await repo().cursor("contacts");
    expect(cursor?.fullSyncId).not.toBeNull();
    expect(cursor?.pageToken).not.toBeNull();
    expect(cursor?.lastError).toMatch(/throttling/);
    sim.control.clearFaults();
    const resumed = people();
    const report = await sync({ api: resumed, pageSize: 5 });
    expect(report.personal.full).toBe(true);
    // The resumed run starts at the stored page, never at the first page again.
    expect(resumed.calls.find((c) => c.method === "list")?.pageToken).toBe(cursor?.pageToken);
    await expectBothSidesEqual();
  });

  it("shows colleagues as read-only company contacts, updated when the directory changes", async () => {
    const report = await sync({ directory: true });
    expect(report.company).not.toBe("not_permitted");
    const company = (await repo().loadAll("company")).map((l) => l.contact).filter((c) => !c.deleted);
    expect(company.map((c) => c.displayName).sort()).toEqual(["Ada Acme", "Alice Acme", "Bob Acme"]);
    const bob = (await repo().byPhone("+442079460200", 5))[0];
    expect(bob?.kind).toBe("company");
    sim.control.suspendUser("bob@acme.test", true);
    await sync({ directory: true });
    expect(await repo().byPhone("+442079460200", 5)).toEqual([]);
  });

  it("stays equal and duplicate-free when Google's sync results lag behind its writes (syncLagMs, on by default)", async () => {
    const { contact } = await createContact(
      repo(),
      { givenName: "Lag", familyName: "Gy", phones: [{ value: "020 7946 0030" }] },
      "GB",
      new Date(),
    );
    await sync();
    sim.control.editContact(ALICE.email, rnOf("Lag Gy"), { emails: ["lag@example.org"] });
    await sync({ lagging: true }); // neither our create nor Google's edit is in the sync results yet
    expect((await repo().get(contact.id))?.fields.emails).toEqual([]);
    await sync();
    await sync();
    expect((await repo().get(contact.id))?.fields.emails.map((e) => e.value)).toEqual(["lag@example.org"]);
    expect(googleSide(sim).filter((c) => c.name === "Lag Gy")).toHaveLength(1);
    await expectBothSidesEqual();
  });

  it("shows its status for GET /v1/integrations: last sync time, and the last error until a sync succeeds", async () => {
    sim.control.injectFault({ api: "people", method: "people.connections.list", fail: "503", times: 20 });
    await expect(sync()).rejects.toThrow();
    const failing = await contactSyncStatus(() => db)(ALICE);
    expect(failing.state).toBe("error");
    expect(failing.lastError).toMatch(/503|unavailable/);
    sim.control.clearFaults();
    await sync();
    const ok = await contactSyncStatus(() => db)(ALICE);
    expect(ok).toMatchObject({ state: "ok", lastError: null });
    expect(Date.parse(ok.lastSyncAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
  });

  it("fans out one ordered sync request per connected user, once per tick", async () => {
    const published: Array<{ payload: unknown; key: string | undefined }> = [];
    const publisher = {
      publish: async (_type: unknown, payload: unknown, options?: { orderingKey?: string }) => {
        published.push({ payload, key: options?.orderingKey });
        return "1";
      },
    } as unknown as Parameters<typeof fanOutContactSync>[1];
    // On the hour: the sweep of every connected person (contact-sync-fanout.test.ts covers the rest).
    const tick = new Date("2026-01-01T10:00:03Z");
    expect(await fanOutContactSync(db, publisher, tick, silentLog)).toEqual({
      published: 1,
      duplicate: false,
      kind: "everyone",
    });
    expect(published).toEqual([
      {
        payload: { orgId: ALICE.orgId, userId: ALICE.userId, reason: "tick" },
        key: `${ALICE.orgId}/${ALICE.userId}`,
      },
    ]);
    expect(
      (await fanOutContactSync(db, publisher, new Date(tick.getTime() + 60_000), silentLog)).duplicate,
    ).toBe(true);
  });

  it("on disconnect drops the cursors and company contacts but keeps personal contacts and their links", async () => {
    const personal = (await livePersonal(db)).length;
    await recordActivity(db, ALICE, new Date());
    await contactSyncTeardown(() => db).run({ ...ALICE, integration: "contacts" });
    expect(await repo().cursor("contacts")).toBeUndefined();
    expect((await scheduleRef(db, ALICE).get()).exists).toBe(false);
    expect(await repo().loadAll("company")).toEqual([]);
    expect((await livePersonal(db)).length).toBe(personal);
    // Reconnected: the full sync relinks by resource name, so nothing is duplicated.
    const report = await sync();
    expect(report.personal.full).toBe(true);
    expect(report.personal.counts.created ?? 0).toBe(0);
    await expectBothSidesEqual();
  });
});
