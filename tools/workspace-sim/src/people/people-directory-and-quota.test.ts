// listDirectoryPeople over the domain (readMask and sources required, sync tokens with tombstones for
// users who leave) and the People API's per-user quotas (429 RESOURCE_EXHAUSTED).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import { ALICE, BOB, bearer, googleError, peopleClient, startTestSim } from "../test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

const PROFILE = "DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE";

describe("listDirectoryPeople", () => {
  it("requires readMask and sources", async () => {
    const api = peopleClient(sim, bearer(sim, ALICE, [SCOPES.directoryReadonly]));
    expect((await googleError(api.people.listDirectoryPeople({ sources: [PROFILE] }))).status).toBe(400);
    expect((await googleError(api.people.listDirectoryPeople({ readMask: "names" }))).status).toBe(400);
  });

  it("lists colleagues with canonical phone numbers and syncs a suspension as a deletion", async () => {
    const api = peopleClient(sim, bearer(sim, ALICE, [SCOPES.directoryReadonly]));
    const full = await api.people.listDirectoryPeople({
      readMask: "names,emailAddresses,phoneNumbers",
      sources: [PROFILE],
      requestSyncToken: true,
    });
    const emails = full.data.people?.map((p) => p.emailAddresses?.[0]?.value);
    expect(emails).toEqual(["ada@acme.test", ALICE, BOB]);
    const alice = full.data.people?.find((p) => p.emailAddresses?.[0]?.value === ALICE);
    expect(alice?.phoneNumbers?.[0]?.canonicalForm).toBe("+14155550100");
    sim.control.suspendUser(BOB);
    sim.control.renameUser("ada@acme.test", { familyName: "King" });
    sim.control.advanceClock({ seconds: 61 }); // past the default write→sync lag
    const inc = await api.people.listDirectoryPeople({
      readMask: "names,emailAddresses,phoneNumbers",
      sources: [PROFILE],
      requestSyncToken: true,
      syncToken: full.data.nextSyncToken!,
    });
    const byId = new Map(inc.data.people?.map((p) => [p.resourceName, p]));
    expect(byId.size).toBe(2);
    const bobId = `people/${sim.control.userResource(BOB).id}`;
    expect(byId.get(bobId)?.metadata?.deleted).toBe(true);
    expect([...byId.values()].find((p) => !p.metadata?.deleted)?.names?.[0]?.familyName).toBe("King");
    sim.control.suspendUser(BOB, false);
  });

  it("needs the directory.readonly scope", async () => {
    const api = peopleClient(sim, bearer(sim, ALICE, [SCOPES.contacts]));
    const err = await googleError(api.people.listDirectoryPeople({ readMask: "names", sources: [PROFILE] }));
    expect(err.status).toBe(403);
    expect(err.body.error.details[0].reason).toBe("ACCESS_TOKEN_SCOPE_INSUFFICIENT");
  });
});

describe("People API per-user quota", () => {
  it("answers 429 RESOURCE_EXHAUSTED past the critical-read limit, and recovers the next minute", async () => {
    sim.control.configure({ people: { criticalReadsPerMinute: 3 } });
    try {
      const api = peopleClient(sim, bearer(sim, ALICE, [SCOPES.contacts]));
      const call = () => api.people.connections.list({ resourceName: "people/me", personFields: "names" });
      sim.control.advanceClock({ minutes: 1 });
      for (let i = 0; i < 3; i++) await call();
      const err = await googleError(call());
      expect(err.status).toBe(429);
      expect(err.body.error).toMatchObject({
        code: 429,
        status: "RESOURCE_EXHAUSTED",
        errors: [{ reason: "rateLimitExceeded" }],
        details: [{ reason: "RATE_LIMIT_EXCEEDED", metadata: { service: "people.googleapis.com" } }],
      });
      // Another user has their own quota.
      await peopleClient(sim, bearer(sim, BOB, [SCOPES.contacts])).people.connections.list({
        resourceName: "people/me",
        personFields: "names",
      });
      sim.control.advanceClock({ minutes: 1 });
      expect((await call()).status).toBe(200);
    } finally {
      sim.control.configure({ people: { criticalReadsPerMinute: null } });
    }
  });

  it("optionally limits full-sync first pages separately (429), while later pages still work", async () => {
    sim.control.configure({ people: { fullSyncFirstPagesPerMinute: 1 } });
    try {
      const api = peopleClient(sim, bearer(sim, ALICE, [SCOPES.contacts]));
      const first = () =>
        api.people.connections.list({ resourceName: "people/me", personFields: "names", pageSize: 1 });
      sim.control.advanceClock({ minutes: 1 });
      const page1 = await first();
      expect((await googleError(first())).status).toBe(429);
      const page2 = await api.people.connections.list({
        resourceName: "people/me",
        personFields: "names",
        pageSize: 1,
        pageToken: page1.data.nextPageToken!,
      });
      expect(page2.status).toBe(200);
    } finally {
      sim.control.configure({ people: { fullSyncFirstPagesPerMinute: null } });
    }
  });

  // https://developers.google.com/people/v1/contacts (quota costs): batch create/update 6 critical reads,
  // 6 critical writes and N daily writes, so one batch of 200 fits a minute's 30 critical writes.
  it("charges a batch create 6 critical writes whatever its size (the per-contact cost is a daily quota)", async () => {
    sim.control.configure({ people: { criticalWritesPerMinute: 13 } });
    try {
      const api = peopleClient(sim, bearer(sim, BOB, [SCOPES.contacts]));
      sim.control.advanceClock({ minutes: 1 });
      const contacts = Array.from({ length: 200 }, (_, i) => ({
        contactPerson: { names: [{ givenName: `Q${i}` }] },
      }));
      await api.people.batchCreateContacts({ requestBody: { contacts, readMask: "names" } });
      await api.people.batchCreateContacts({ requestBody: { contacts, readMask: "names" } });
      const err = await googleError(
        api.people.batchCreateContacts({
          requestBody: { contacts: contacts.slice(0, 1), readMask: "names" },
        }),
      );
      expect(err.status).toBe(429); // the third batch this minute: 18 > 13
    } finally {
      sim.control.configure({ people: { criticalWritesPerMinute: null } });
    }
  });
});
