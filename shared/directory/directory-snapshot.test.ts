// The directory snapshot's reads against the Firestore emulator: a malformed stored user or page digest
// is treated as absent and rewritten from Google's copy (the snapshot heals); a malformed user read for
// a decision (all users, which provisioning diffs against) fails with malformed_document.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { WorkspaceUser } from "../google/directory-api";
import { firestoreDirectorySnapshot } from "./directory-snapshot";

const emulators = useEmulators("dirsnapshot");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());

const person = (id: string): WorkspaceUser => ({
  id,
  primaryEmail: `${id}@acme.test`,
  givenName: id,
  familyName: "Acme",
  fullName: `${id} Acme`,
  orgUnitPath: "/",
  suspended: false,
  archived: false,
  isAdmin: false,
  phone: null,
});

describe("directory snapshot reads", () => {
  it("rewrites a malformed stored user and page digest from Google's copy instead of failing", async () => {
    const snapshot = firestoreDirectorySnapshot(db);
    const now = new Date("2026-12-01T10:00:00Z");
    const page = [person("u1"), person("u2")];
    expect(await snapshot.syncPage("org-heal", 0, page, now)).toHaveLength(2);
    await db.doc("orgs/org-heal/directory/u2").update({ suspended: "no" });
    await db.doc("orgs/org-heal/directoryPageDigests/000000").update({ digest: 42 });

    expect([...(await snapshot.readUsers("org-heal", ["u1", "u2"])).keys()]).toEqual(["u1"]);
    const rewritten = await snapshot.syncPage("org-heal", 0, page, now);
    expect(rewritten.map((u) => u.id)).toEqual(["u2"]);
    expect((await snapshot.readUsers("org-heal", ["u2"])).get("u2")).toMatchObject({ suspended: false });
    expect(await snapshot.syncPage("org-heal", 0, page, now)).toEqual([]);
  });

  it("fails the listing of all users with malformed_document rather than leave one out", async () => {
    const snapshot = firestoreDirectorySnapshot(db);
    await snapshot.syncPage("org-bad", 0, [person("u1")], new Date("2026-12-01T10:00:00Z"));
    await db.doc("orgs/org-bad/directory/u1").update({ primaryEmail: null });
    await expect(snapshot.allUsers("org-bad")).rejects.toMatchObject({
      code: "malformed_document",
      message: expect.stringContaining("orgs/org-bad/directory/u1"),
    });
  });

  it("rewrites an org unit whose stored hash is malformed", async () => {
    const snapshot = firestoreDirectorySnapshot(db);
    const units = [{ id: "ou1", path: "/Sales", name: "Sales" }];
    expect(await snapshot.saveStructure("org-ou", units, [])).toBe(1);
    expect(await snapshot.saveStructure("org-ou", units, [])).toBe(0);
    await db.doc("orgs/org-ou/directoryOrgUnits/ou1").update({ hash: 7 });
    expect(await snapshot.saveStructure("org-ou", units, [])).toBe(1);
    expect((await snapshot.readStructure("org-ou")).orgUnits).toEqual([
      expect.objectContaining({ id: "ou1", path: "/Sales" }),
    ]);
  });
});
