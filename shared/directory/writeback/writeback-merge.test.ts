import { describe, expect, it } from "vitest";
import type { WorkspacePhone, WorkspaceProfile } from "../../google/directory-profile-api";
import { hasWrites, mergeProfile, switchboardPhones } from "./writeback-merge";

const adminWork: WorkspacePhone = { value: "+14155550100", type: "work", primary: true };
const userMobile: WorkspacePhone = { value: "+14155550199", type: "mobile" };
const ours = (direct: string | null, extension: string | null = null) =>
  switchboardPhones({ directNumber: direct, extension });

const profile = (over: Partial<WorkspaceProfile> = {}): WorkspaceProfile => ({
  id: "1001",
  etag: '"e1"',
  phones: [adminWork, userMobile],
  givenName: "Ada",
  familyName: "Lovelace",
  organizations: [],
  ...over,
});

describe("mergeProfile", () => {
  it("adds Switchboard's entries after the admin's and the user's own, leaving those as they are", () => {
    const r = mergeProfile(profile(), { phones: ours("+14155550123", "204") }, {});
    expect(r.update.phones).toEqual([
      adminWork,
      userMobile,
      { value: "+14155550123", type: "custom", customType: "Switchboard" },
      { value: "204", type: "custom", customType: "Switchboard extension" },
    ]);
    expect(r.agreed.phones).toEqual(ours("+14155550123", "204"));
    expect(r.conflicts).toEqual([]);
  });

  it("writes nothing when Google already shows the values", () => {
    const google = profile({ phones: [adminWork, ...ours("+14155550123")] });
    const r = mergeProfile(google, { phones: ours("+14155550123") }, { phones: ours("+14155550123") });
    expect(hasWrites(r.update)).toBe(false);
  });

  it("changes and removes exactly Switchboard's entry", () => {
    const google = profile({ phones: [adminWork, ...ours("+14155550123"), userMobile] });
    const agreed = { phones: ours("+14155550123") };
    expect(mergeProfile(google, { phones: ours("+14155550124") }, agreed).update.phones).toEqual([
      adminWork,
      userMobile,
      ...ours("+14155550124"),
    ]);
    expect(mergeProfile(google, { phones: [] }, agreed).update.phones).toEqual([adminWork, userMobile]);
  });

  it("keeps Google's value and reports a conflict when Google changed Switchboard's entry too", () => {
    const google = profile({ phones: [adminWork, ...ours("+14155550777")] });
    const r = mergeProfile(google, { phones: ours("+14155550124") }, { phones: ours("+14155550123") });
    expect(hasWrites(r.update)).toBe(false);
    expect(r.agreed.phones).toEqual(ours("+14155550777"));
    expect(r.conflicts).toEqual([
      { field: "phones", google: ours("+14155550777"), switchboard: ours("+14155550124") },
    ]);
  });

  it("after a conflict, a later Switchboard change is written over the value Google kept", () => {
    const google = profile({ phones: [adminWork, ...ours("+14155550777")] });
    const r = mergeProfile(google, { phones: ours("+14155550125") }, { phones: ours("+14155550777") });
    expect(r.update.phones).toEqual([adminWork, ...ours("+14155550125")]);
    expect(r.conflicts).toEqual([]);
  });

  it("writes a name edit only while Google still holds the name it was made against", () => {
    const edit = { phones: [], name: { givenName: "Augusta", familyName: "Lovelace" } };
    const synced = { name: { givenName: "Ada", familyName: "Lovelace" } };
    expect(mergeProfile(profile(), edit, synced).update.name).toEqual(edit.name);
    const renamedInGoogle = profile({ givenName: "Ada A." });
    const r = mergeProfile(renamedInGoogle, edit, synced);
    expect(r.update.name).toBeUndefined();
    expect(r.conflicts.map((c) => c.field)).toEqual(["name"]);
  });

  it("sets the department on the primary organization and keeps its other fields", () => {
    const google = profile({
      organizations: [
        { name: "Other", primary: false, department: "X" },
        { name: "Northwind", title: "Engineer", primary: true, department: "R&D" },
      ],
    });
    const r = mergeProfile(google, { phones: [], department: "Support" }, { department: "R&D" });
    expect(r.update.organizations).toEqual([
      { name: "Other", primary: false, department: "X" },
      { name: "Northwind", title: "Engineer", primary: true, department: "Support" },
    ]);
    expect(mergeProfile(profile(), { phones: [], department: "Support" }, {}).update.organizations).toEqual([
      { type: "work", primary: true, department: "Support" },
    ]);
  });
});
