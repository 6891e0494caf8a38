// People as Google really behaves, by default (the realistic profile), through the real People client:
// reads that lag writes, incremental sync that lags writes, one user's mutations one at a time,
// per-contact errors from a failed batch update, and canonicalForm dropping a national "(0)".
import type { people_v1 } from "@googleapis/people";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import { BOB, bearer, googleError, peopleClient, startTestSim } from "../test-support";

let sim: RunningWorkspaceSim;
let api: people_v1.People;
const FIELDS = "names,phoneNumbers,emailAddresses,metadata";

beforeAll(async () => {
  sim = await startTestSim();
  api = peopleClient(sim, bearer(sim, BOB, [SCOPES.contacts]));
});
afterAll(() => sim.stop());

async function create(person: people_v1.Schema$Person) {
  return (await api.people.createContact({ personFields: FIELDS, requestBody: person })).data;
}

const update = (p: people_v1.Schema$Person, etag: string, givenName: string) =>
  api.people.updateContact({
    resourceName: p.resourceName!,
    updatePersonFields: "names",
    personFields: FIELDS,
    requestBody: { etag, names: [{ givenName }] },
  });

const get = async (resourceName: string) =>
  (await api.people.get({ resourceName, personFields: FIELDS })).data;

describe("read-after-write (people/v1/contacts; googleapis/google-api-python-client#2417, google-api-go-client#1904)", () => {
  it("answers the previous version and etag to a get right after an update, for readAfterWriteLagMs of sim time", async () => {
    const p = await create({ names: [{ givenName: "Before" }] });
    sim.control.advanceClock({ seconds: 30 });
    const { data: updated } = await update(p, p.etag!, "After");
    const early = await get(p.resourceName!);
    expect(early.etag).toBe(p.etag);
    expect(early.names?.[0]?.givenName).toBe("Before");
    // Updating with the etag the read gave is refused: the stale-etag loop developers report.
    const stale = await googleError(update(p, early.etag!, "Again"));
    expect(stale.status).toBe(400);
    expect(stale.body.error.status).toBe("FAILED_PRECONDITION");
    // The etag the update itself returned is the one that works.
    const { data: again } = await update(p, updated.etag!, "Again");
    sim.control.advanceClock({ seconds: 10 });
    const late = await get(p.resourceName!);
    expect(late.etag).toBe(again.etag);
    expect(late.names?.[0]?.givenName).toBe("Again");
  });

  it("holds writes back from incremental sync for syncLagMs (60 s by default; people.connections/list: 'several minutes')", async () => {
    const list = (syncToken?: string) =>
      api.people.connections.list({
        resourceName: "people/me",
        personFields: FIELDS,
        requestSyncToken: true,
        pageSize: 1000,
        ...(syncToken ? { syncToken } : {}),
      });
    let token = (await list()).data.nextSyncToken!;
    const p = await create({ names: [{ givenName: "Lagged" }] });
    const early = await list(token);
    expect(early.data.connections ?? []).toEqual([]);
    token = early.data.nextSyncToken ?? token;
    sim.control.advanceClock({ seconds: 61 });
    const late = await list(token);
    expect(late.data.connections?.map((c) => c.resourceName)).toEqual([p.resourceName]);
  });
});

describe("one user's mutations are sequential (people/v1/contacts: 'Mutate requests for the same user should be sent sequentially')", () => {
  it("refuses a mutation that arrives while another of the same user's is in flight; sequential ones all pass", async () => {
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((i) => create({ names: [{ givenName: `Parallel ${i}` }] })),
    );
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    const err = await googleError(Promise.reject((refused[0] as PromiseRejectedResult).reason));
    expect(err.status).toBe(429);
    expect(err.body.error.message).toMatch(/sequentially/);

    for (const i of [1, 2, 3]) await create({ names: [{ givenName: `Sequential ${i}` }] });
  });

  it("does not hold one user's mutation against another user's", async () => {
    const alice = peopleClient(sim, bearer(sim, "alice@acme.test", [SCOPES.contacts]));
    const [a, b] = await Promise.all([
      create({ names: [{ givenName: "Bob's" }] }),
      alice.people.createContact({ requestBody: { names: [{ givenName: "Alice's" }] } }),
    ]);
    expect(a.resourceName).toBeTruthy();
    expect(b.data.resourceName).toBeTruthy();
  });
});

describe("batchUpdateContacts failure (people reference: BatchUpdateContactsErrorDetails)", () => {
  it("names every failed contact in contactErrors and writes none of the batch", async () => {
    const ok = await create({ names: [{ givenName: "Fine" }] });
    const stale = await create({ names: [{ givenName: "Stale" }] });
    await update(stale, stale.etag!, "Moved on");
    const err = await googleError(
      api.people.batchUpdateContacts({
        requestBody: {
          updateMask: "names",
          readMask: "names",
          contacts: {
            [ok.resourceName!]: { etag: ok.etag!, names: [{ givenName: "Fine 2" }] },
            [stale.resourceName!]: { etag: stale.etag!, names: [{ givenName: "Stale 2" }] },
            "people/c999999999": { etag: "%x", names: [{ givenName: "Ghost" }] },
          },
        },
      }),
    );
    expect(err.status).toBe(400);
    const detail = err.body.error.details.find((d: { "@type": string }) =>
      d["@type"].endsWith("BatchUpdateContactsErrorDetails"),
    );
    expect(Object.keys(detail.contactErrors).sort()).toEqual(
      [stale.resourceName!, "people/c999999999"].sort(),
    );
    expect(detail.contactErrors[stale.resourceName!].code).toBe(9); // FAILED_PRECONDITION
    expect(detail.contactErrors["people/c999999999"].code).toBe(5); // NOT_FOUND
    sim.control.advanceClock({ seconds: 11 });
    expect((await get(ok.resourceName!)).names?.[0]?.givenName).toBe("Fine");
  });
});

describe("canonicalForm (libphonenumber FAQ: a national '(0)' in an international number is dropped)", () => {
  it("stores +44 (0)20 … as +4420…", async () => {
    const p = await create({
      phoneNumbers: [{ value: "+44 (0)20 7946 0018" }, { value: "+49 (0) 30 901820" }],
    });
    expect(p.phoneNumbers?.map((n) => n.canonicalForm)).toEqual(["+442079460018", "+4930901820"]);
  });
});
