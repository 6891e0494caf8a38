// The caller-ID index against the Firestore emulator: a lookup reads one index document and the contacts
// it names; a contact's numbers enter and leave the index with the contact's own transaction; a batch
// write (a sync) indexes before it writes, and a lookup prunes what a contact no longer carries.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { normaliseFields } from "./contact-model";
import { firestoreContactRepository } from "./contact-repository";
import { newContact, tombstone } from "./sync-rules";

const emulators = useEmulators("caller-id-index");
let db: Firestore;
const owner = { orgId: "org-cid", userId: "u-1" };
const entriesOf = async (number: string) =>
  (await db.doc(`orgs/org-cid/users/u-1/phoneIndex/${number}`).get()).get("entries") ?? {};
const contactWith = (id: string, phone: string) =>
  newContact(
    id,
    "personal",
    normaliseFields({ givenName: id, phones: [{ value: phone }] }, "GB"),
    new Date(),
    null,
  );

beforeAll(() => {
  db = new Firestore({ projectId: emulators.projectId });
});
afterAll(async () => {
  await db?.terminate();
});

describe("caller-ID index", () => {
  it("adds and removes a contact's numbers in the contact's own transaction", async () => {
    const reads: number[] = [];
    const repo = firestoreContactRepository(db, owner, { read: (n) => reads.push(n), write: () => {} });
    await repo.mutate("c-1", () => contactWith("c-1", "020 7946 0101"));
    expect(await entriesOf("+442079460101")).toEqual({ "c-1": "personal" });
    reads.length = 0;
    expect((await repo.byPhone("+442079460101", 5)).map((c) => c.id)).toEqual(["c-1"]);
    expect(reads).toEqual([1, 1]); // the index document, then the one contact it names

    // The number changes: the old one leaves the index, the new one enters it.
    await repo.mutate("c-1", () => contactWith("c-1", "020 7946 0102"));
    expect(await entriesOf("+442079460101")).toEqual({});
    expect((await repo.byPhone("+442079460102", 5)).map((c) => c.id)).toEqual(["c-1"]);

    // Deleted: a tombstone is found by no number.
    await repo.mutate("c-1", (c) => (c ? tombstone(c, new Date(), false) : c));
    expect(await entriesOf("+442079460102")).toEqual({});
    expect(await repo.byPhone("+442079460102", 5)).toEqual([]);
  });

  it("indexes a batch before writing it, and a lookup prunes entries a contact no longer carries", async () => {
    const repo = firestoreContactRepository(db, owner);
    await repo.writeMany([{ contact: contactWith("c-2", "020 7946 0201"), expect: "absent" }]);
    expect((await repo.byPhone("+442079460201", 5)).map((c) => c.id)).toEqual(["c-2"]);
    const [loaded] = (await repo.loadAll("personal")).filter((l) => l.contact.id === "c-2");
    // A sync's batch moves the contact to another number: no transaction removes the old entry...
    const moved = { ...contactWith("c-2", "020 7946 0202"), version: 2 };
    expect(await repo.writeMany([{ contact: moved, expect: loaded!.updateTime }])).toEqual([]);
    // ...so the lookup checks the contact, answers nothing, and drops the stale entry.
    expect(await repo.byPhone("+442079460201", 5)).toEqual([]);
    expect(await entriesOf("+442079460201")).toEqual({});
    expect((await repo.byPhone("+442079460202", 5)).map((c) => c.id)).toEqual(["c-2"]);
  });

  it("answers an unknown number with one read", async () => {
    const reads: number[] = [];
    const repo = firestoreContactRepository(db, owner, { read: (n) => reads.push(n), write: () => {} });
    expect(await repo.byPhone("+442079469999", 5)).toEqual([]);
    expect(reads).toEqual([1]);
  });
});
