// The directory picker over a snapshot stored through the real snapshot writer in the Firestore emulator,
// with a small scan cap (a parameter) standing in for the 5,000 documents a request reads at most: a
// sparse OU or group filter whose only matches lie beyond the cap is followed to them (the scan resumes
// from the cursor, and nextCursor is null only at the end), dense pages list each user once in order.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { WorkspaceUser } from "../google/directory-api";
import { browseDirectory, type PickerQuery, pickerCursor } from "./directory-picker";
import { firestoreDirectorySnapshot } from "./directory-snapshot";

const emulators = useEmulators("picker");
const ORG = "org-picker";
const SCAN_CAP = 20;
let db: Firestore;

const person = (n: number, orgUnitPath: string, local = `p${String(n).padStart(3, "0")}`): WorkspaceUser => ({
  id: String(1000 + n),
  primaryEmail: `${local}@picker.example`,
  givenName: local,
  familyName: "Test",
  fullName: `${local} Test`,
  orgUnitPath,
  suspended: false,
  archived: false,
  isAdmin: false,
  phone: null,
});
// 60 people in /Sales, then the only two of /Field and of the group, last in email order (far past the cap).
const sales = Array.from({ length: 60 }, (_, i) => person(i, "/Sales"));
const field = [person(90, "/Field/North"), person(91, "/Field")];

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  const snapshot = firestoreDirectorySnapshot(db);
  const now = new Date("2026-11-01T00:00:00Z");
  const users = [...sales, ...field].map((user) => ({ user, deleted: false }));
  await snapshot.saveChangedUsers(ORG, users, new Map(), now);
  await snapshot.saveStructure(
    ORG,
    [],
    [
      {
        id: "g1",
        email: "field-team@picker.example",
        name: "Field",
        memberIds: field.map((u) => u.id),
      },
    ],
  );
  // A deleted user and the live one who took over the email, the deleted one first in id order.
  await snapshot.saveChangedUsers(
    ORG,
    [
      { user: { ...person(0, "/Dup", "dup"), id: "500" }, deleted: true },
      { user: { ...person(0, "/Dup", "dup"), id: "600" }, deleted: false },
    ],
    new Map(),
    now,
  );
});
afterAll(async () => {
  await db?.terminate();
});

/** Follows nextCursor from the first page to the end; returns every page's emails. */
async function allPages(query: Omit<PickerQuery, "after">, scanCap = SCAN_CAP) {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const after = cursor ? pickerCursor.decode(cursor) : undefined;
    const page = await browseDirectory(db, ORG, { ...query, ...(after ? { after } : {}) }, { scanCap });
    pages.push(page.users.map((u) => u.email));
    cursor = page.nextCursor;
    // Each request reads at most the cap, so the whole directory is covered in a bounded number of pages.
    expect(pages.length).toBeLessThanOrEqual(10);
  } while (cursor);
  return pages;
}

describe("the directory picker", () => {
  it("follows a sparse OU filter whose only matches lie beyond the scan cap to them, never ending early", async () => {
    const first = await browseDirectory(db, ORG, { ou: "/Field", limit: 10 }, { scanCap: SCAN_CAP });
    // The cap stopped the scan before any match: an empty page, but one that says where to go on.
    expect(first.users).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const pages = await allPages({ ou: "/Field", limit: 10 });
    expect(pages.flat()).toEqual(["p090@picker.example", "p091@picker.example"]);
  });

  it("follows a sparse group filter the same way", async () => {
    const pages = await allPages({ group: "Field-Team@picker.example", limit: 10 });
    expect(pages.flat()).toEqual(["p090@picker.example", "p091@picker.example"]);
  });

  it("lists a dense filter in full pages, each user once, in email order", async () => {
    const pages = await allPages({ ou: "/Sales", limit: 7 }, 5000);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(pages.flat()).toEqual(sales.map((u) => u.primaryEmail));
  });

  it("resumes after a deleted user without skipping the live one with the same email", async () => {
    const pages = await allPages({ q: "dup", limit: 10 }, 1);
    expect(pages.flat()).toEqual(["dup@picker.example"]);
  });

  it("reads a cursor of the format before (the last email shown)", async () => {
    const page = await browseDirectory(db, ORG, {
      ou: "/Sales",
      limit: 2,
      after: pickerCursor.decode("p057@picker.example"),
    });
    expect(page.users.map((u) => u.email)).toEqual(["p058@picker.example", "p059@picker.example"]);
  });
});
