// Contact writes and reads through the real People client: canonical E.164 numbers, etags that change
// on every write, the etag rules of updateContact, batch limits, batchGet, and searchContacts' cache.
import type { people_v1 } from "@googleapis/people";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import { ALICE, BOB, bearer, googleError, peopleClient, startTestSim } from "../test-support";

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

describe("createContact", () => {
  it("stores the contact with canonicalForm in E.164 where the number parses, and source metadata", async () => {
    const p = await create({
      names: [{ givenName: "Grace", familyName: "Hopper" }],
      phoneNumbers: [
        { value: "(415) 555-0132", type: "mobile" },
        { value: "+44 20 7946 0018", type: "work" },
        { value: "call reception", type: "other" },
      ],
      emailAddresses: [{ value: "grace@navy.example" }],
    });
    expect(p.resourceName).toMatch(/^people\/c\d+$/);
    expect(p.names?.[0]).toMatchObject({
      displayName: "Grace Hopper",
      displayNameLastFirst: "Hopper, Grace",
    });
    expect(p.phoneNumbers?.map((n) => n.canonicalForm)).toEqual(["+14155550132", "+442079460018", undefined]);
    expect(p.phoneNumbers?.[0]?.formattedType).toBe("Mobile");
    expect(p.metadata?.sources?.[0]).toMatchObject({ type: "CONTACT" });
    expect(p.metadata?.sources?.[0]?.etag).toBeTruthy();
    expect(p.metadata?.sources?.[0]?.updateTime).toBeTruthy();
  });

  it("refuses two values for a singleton field (names)", async () => {
    const err = await googleError(
      api.people.createContact({ requestBody: { names: [{ givenName: "A" }, { givenName: "B" }] } }),
    );
    expect(err.status).toBe(400);
    expect(err.body.error.status).toBe("INVALID_ARGUMENT");
  });
});

describe("updateContact", () => {
  it("replaces the masked fields, keeps the others, and changes the etag", async () => {
    const p = await create({ names: [{ givenName: "Linus" }], phoneNumbers: [{ value: "+1 650 555 0100" }] });
    const { data: u } = await api.people.updateContact({
      resourceName: p.resourceName!,
      updatePersonFields: "names",
      personFields: FIELDS,
      requestBody: { etag: p.etag!, names: [{ givenName: "Linus", familyName: "Torvalds" }] },
    });
    expect(u.names?.[0]?.displayName).toBe("Linus Torvalds");
    expect(u.phoneNumbers?.[0]?.canonicalForm).toBe("+16505550100");
    expect(u.etag).not.toBe(p.etag);
  });

  it("requires updatePersonFields", async () => {
    const p = await create({ names: [{ givenName: "Mask" }] });
    const err = await googleError(
      api.people.updateContact({ resourceName: p.resourceName!, requestBody: { etag: p.etag! } }),
    );
    expect(err.status).toBe(400);
    expect(err.body.error.message).toMatch(/updatePersonFields/);
  });

  it("requires an etag", async () => {
    const p = await create({ names: [{ givenName: "NoEtag" }] });
    const err = await googleError(
      api.people.updateContact({
        resourceName: p.resourceName!,
        updatePersonFields: "names",
        requestBody: { names: [{ givenName: "X" }] },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.body.error.message).toBe(
      "Request must set person.etag or person.metadata.sources.etag for the source that is being updated.",
    );
  });

  it("refuses a stale etag with 400 FAILED_PRECONDITION after the user edited the contact in Google", async () => {
    const p = await create({ names: [{ givenName: "Stale" }] });
    sim.control.editContact(BOB, p.resourceName!, { givenName: "Edited in Google" });
    const err = await googleError(
      api.people.updateContact({
        resourceName: p.resourceName!,
        updatePersonFields: "names",
        requestBody: { etag: p.etag!, names: [{ givenName: "Overwrite" }] },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.body.error).toMatchObject({
      status: "FAILED_PRECONDITION",
      message:
        "Request person.etag is different than the current person.etag. Clear local cache and get the latest person.",
      errors: [{ reason: "failedPrecondition" }],
    });
  });

  it("accepts the source etag from metadata.sources instead of person.etag", async () => {
    const p = await create({ names: [{ givenName: "Source" }] });
    const { status } = await api.people.updateContact({
      resourceName: p.resourceName!,
      updatePersonFields: "names",
      requestBody: {
        metadata: { sources: [{ type: "CONTACT", etag: p.metadata!.sources![0]!.etag! }] },
        names: [{ givenName: "Y" }],
      },
    });
    expect(status).toBe(200);
  });
});

describe("delete, batches and reads", () => {
  it("deleteContact removes the contact; reading it afterwards is 404", async () => {
    const p = await create({ names: [{ givenName: "Gone" }] });
    await api.people.deleteContact({ resourceName: p.resourceName! });
    // Reads lag writes (readAfterWriteLagMs, people-consistency.test.ts): read once they caught up.
    sim.control.advanceClock({ seconds: 11 });
    const err = await googleError(api.people.get({ resourceName: p.resourceName!, personFields: "names" }));
    expect(err.status).toBe(404);
    expect(err.body.error.status).toBe("NOT_FOUND");
  });

  it("enforces batch limits of 200 creates, 200 updates and 500 deletes", async () => {
    const tooMany = Array.from({ length: 201 }, (_, i) => ({
      contactPerson: { names: [{ givenName: `N${i}` }] },
    }));
    const e1 = await googleError(
      api.people.batchCreateContacts({ requestBody: { contacts: tooMany, readMask: "names" } }),
    );
    expect(e1.status).toBe(400);
    const { data } = await api.people.batchCreateContacts({
      requestBody: { contacts: tooMany.slice(0, 200), readMask: "names" },
    });
    expect(data.createdPeople).toHaveLength(200);
    const people = data.createdPeople!.map((c) => c.person!);
    const updates = Object.fromEntries(
      people.slice(0, 2).map((p) => [p.resourceName!, { etag: p.etag!, names: [{ givenName: "Batch" }] }]),
    );
    const { data: upd } = await api.people.batchUpdateContacts({
      requestBody: { contacts: updates, updateMask: "names", readMask: "names" },
    });
    expect(Object.values(upd.updateResult ?? {}).map((r) => r.person?.names?.[0]?.givenName)).toEqual([
      "Batch",
      "Batch",
    ]);
    const e2 = await googleError(
      api.people.batchDeleteContacts({
        requestBody: { resourceNames: Array.from({ length: 501 }, () => people[0]!.resourceName!) },
      }),
    );
    expect(e2.status).toBe(400);
    await api.people.batchDeleteContacts({
      requestBody: { resourceNames: people.map((p) => p.resourceName!) },
    });
    sim.control.advanceClock({ seconds: 11 }); // reads lag writes (readAfterWriteLagMs)
    const after = await api.people.getBatchGet({
      resourceNames: [people[0]!.resourceName!],
      personFields: "names",
    });
    expect(after.data.responses?.[0]?.httpStatusCode).toBe(404);
  });

  it("getBatchGet returns each requested person with its status", async () => {
    const a = await create({ names: [{ givenName: "One" }] });
    const { data } = await api.people.getBatchGet({
      resourceNames: [a.resourceName!, "people/me"],
      personFields: "names,emailAddresses",
    });
    expect(data.responses?.map((r) => r.httpStatusCode)).toEqual([200, 200]);
    expect(data.responses?.[1]?.person?.emailAddresses?.[0]?.value).toBe(BOB);
  });

  it("searchContacts sees new contacts only after a warm-up request with an empty query", async () => {
    const alice = peopleClient(sim, bearer(sim, ALICE, [SCOPES.contactsReadonly]));
    const search = (query: string) => alice.people.searchContacts({ query, readMask: "names,phoneNumbers" });
    expect((await search("car")).data.results?.map((r) => r.person?.names?.[0]?.givenName)).toEqual([
      "Carol",
    ]);
    sim.control.addContact(ALICE, { givenName: "Cartman", familyName: "Eric" });
    expect((await search("car")).data.results).toHaveLength(1);
    await search("");
    expect((await search("car")).data.results).toHaveLength(2);
    expect((await search("650555")).data.results?.[0]?.person?.names?.[0]?.givenName).toBe("Carol");
  });
});
