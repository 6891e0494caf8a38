// Re-normalising stored numbers after a region change, against the Firestore emulator: caller-ID then
// finds numbers saved before the change; a contact that agreed with Google still does (nothing to push);
// a second run reads one checkpoint; a run that crashes part-way resumes after the last page it finished.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { createLogger } from "../platform/logger";
import { contactFieldsHash, normaliseFields } from "./contact-model";
import { type ContactRepository, firestoreContactRepository, localHash } from "./contact-repository";
import { regionCheckpointRef, renormaliseUserContacts } from "./renormalise";
import { newContact } from "./sync-rules";

const emulators = useEmulators("renormalise");
let db: Firestore;
const log = createLogger({ level: "ERROR" });
const clock = () => new Date("2026-12-03T10:00:00Z");
const GB = { region: "GB", regionChangedAt: new Date("2026-12-03T09:00:00Z") };

beforeAll(() => {
  db = new Firestore({ projectId: emulators.projectId });
});
afterAll(async () => {
  await db?.terminate();
});

/** A contact saved while the org was US: the London number is kept as typed, without E.164. */
async function savedInUs(repo: ContactRepository, id: string, phone: string) {
  const fields = normaliseFields({ givenName: id, phones: [{ value: phone }] }, "US");
  await repo.mutate(id, () => newContact(id, "personal", fields, clock(), null));
}

describe("re-normalising stored numbers after a region change", () => {
  it("gives numbers saved before the change their E.164 form, so caller-ID finds them", async () => {
    const user = { orgId: "org-rn", userId: "u-1" };
    const repo = firestoreContactRepository(db, user);
    await savedInUs(repo, "ada", "020 7946 0321");
    await savedInUs(repo, "bob", "+1 212 555 0100"); // international already: unchanged
    expect(await repo.byPhone("+442079460321", 5)).toEqual([]);

    const report = await renormaliseUserContacts({ db, repo, clock, log }, user, GB);
    expect(report).toEqual({ ran: true, checked: 2, changed: 1 });
    const [ada] = await repo.byPhone("+442079460321", 5);
    expect(ada).toMatchObject({
      id: "ada",
      fields: { phones: [{ value: "020 7946 0321", e164: "+442079460321" }] },
      unparsedPhones: [],
      version: 2,
    });
    expect((await repo.get("bob"))!.version).toBe(1);

    // Done for this region: the next run reads the checkpoint and nothing else.
    const reads: number[] = [];
    const metered = firestoreContactRepository(db, user, { read: (n) => reads.push(n), write: () => {} });
    expect(await renormaliseUserContacts({ db, repo: metered, clock, log }, user, GB)).toEqual({
      ran: false,
      checked: 0,
      changed: 0,
    });
    expect(reads).toEqual([]);
  });

  it("does nothing for an org that never changed its region", async () => {
    const user = { orgId: "org-rn-never", userId: "u-1" };
    const repo = firestoreContactRepository(db, user);
    await savedInUs(repo, "ada", "020 7946 0321");
    const never = { region: "US", regionChangedAt: null };
    expect(await renormaliseUserContacts({ db, repo, clock, log }, user, never)).toMatchObject({
      ran: false,
    });
    expect((await regionCheckpointRef(db, user).get()).exists).toBe(false);
  });

  it("re-reads the Google link's base too, so a contact in agreement with Google has nothing to push", async () => {
    const user = { orgId: "org-rn-linked", userId: "u-1" };
    const repo = firestoreContactRepository(db, user);
    const fields = normaliseFields({ givenName: "Linked", phones: [{ value: "020 7946 0400" }] }, "US");
    const link = {
      resourceName: "people/c1",
      etag: "e1",
      updatedAt: 1,
      base: fields,
      baseHash: contactFieldsHash(fields),
    };
    await repo.mutate("linked", () => newContact("linked", "personal", fields, clock(), link));
    await renormaliseUserContacts({ db, repo, clock, log }, user, GB);
    const after = (await repo.get("linked"))!;
    expect(after.fields.phones[0]!.e164).toBe("+442079460400");
    expect(after.google!.base.phones[0]!.e164).toBe("+442079460400");
    expect(after.google!.baseHash).toBe(localHash(after));
    expect(after.pendingPush).toBe(false);
  });

  it("resumes after the last finished page when a run crashes part-way, and restarts for a newer region", async () => {
    const user = { orgId: "org-rn-crash", userId: "u-1" };
    const repo = firestoreContactRepository(db, user);
    for (const n of [1, 2, 3, 4, 5]) await savedInUs(repo, `c${n}`, `020 7946 050${n}`);
    let mutations = 0;
    const crashing: ContactRepository = {
      ...repo,
      mutate: (id, change) => {
        if (++mutations === 4) throw new Error("process killed");
        return repo.mutate(id, change);
      },
    };
    await expect(
      renormaliseUserContacts({ db, repo: crashing, clock, log, pageSize: 2 }, user, GB),
    ).rejects.toThrow("process killed");
    // Pages [c1, c2] and [c3, …] : the checkpoint is after the first finished page.
    expect((await regionCheckpointRef(db, user).get()).data()).toMatchObject({
      region: "GB",
      after: "c2",
      done: false,
    });

    const resumed = await renormaliseUserContacts({ db, repo, clock, log, pageSize: 2 }, user, GB);
    expect(resumed).toEqual({ ran: true, checked: 3, changed: 2 });
    for (const n of [1, 2, 3, 4, 5])
      expect((await repo.byPhone(`+4420794605${n.toString().padStart(2, "0")}`, 5)).map((c) => c.id)).toEqual(
        [`c${n}`],
      );

    // A newer change back to US starts from the first contact: the London numbers lose their E.164 form.
    const us = { region: "US", regionChangedAt: new Date("2026-12-03T11:00:00Z") };
    expect(await renormaliseUserContacts({ db, repo, clock, log, pageSize: 2 }, user, us)).toEqual({
      ran: true,
      checked: 5,
      changed: 5,
    });
    expect((await repo.get("c1"))!.unparsedPhones).toEqual(["020 7946 0501"]);
    expect(await repo.byPhone("+442079460501", 5)).toEqual([]);
  });
});
