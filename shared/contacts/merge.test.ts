import { describe, expect, it } from "vitest";
import { type ContactFields, contactFieldsHash, normaliseFields, type RawFields } from "./contact-model";
import { mergeContact } from "./merge";

const f = (raw: RawFields): ContactFields => normaliseFields(raw, "GB");
const base = f({
  givenName: "Ada",
  familyName: "Lovelace",
  phones: [{ value: "020 7946 0000", type: "work" }],
  emails: [{ value: "ada@example.com", type: "work" }],
});

describe("three-way merge", () => {
  it("keeps a change made on one side only", () => {
    const local = { ...base, familyName: "King" };
    const r = mergeContact(base, { fields: local, editedAt: 1 }, { fields: base, editedAt: 2 });
    expect(r.fields.familyName).toBe("King");
    expect(r.conflicts).toEqual([]);
  });

  it("keeps both sides' changes to different fields", () => {
    const local = { ...base, givenName: "Augusta" };
    const google = f({ ...base, phones: [...base.phones, { value: "07911 123456", type: "mobile" }] });
    const r = mergeContact(base, { fields: local, editedAt: 5 }, { fields: google, editedAt: 9 });
    expect(r.fields.givenName).toBe("Augusta");
    expect(r.fields.phones.map((p) => p.e164)).toEqual(["+442079460000", "+447911123456"]);
    expect(r.conflicts).toEqual([]);
  });

  it("merges phone sets entry by entry: an add on one side and a removal on the other both apply", () => {
    const local = f({ ...base, phones: [] });
    const google = f({ ...base, phones: [...base.phones, { value: "07911 123456", type: "mobile" }] });
    const r = mergeContact(base, { fields: local, editedAt: 1 }, { fields: google, editedAt: 1 });
    expect(r.fields.phones.map((p) => p.e164)).toEqual(["+447911123456"]);
  });

  it("resolves the same field edited on both sides for the side edited last", () => {
    const local = { ...base, familyName: "Local" };
    const google = { ...base, familyName: "Google" };
    expect(
      mergeContact(base, { fields: local, editedAt: 10 }, { fields: google, editedAt: 20 }).fields.familyName,
    ).toBe("Google");
    const r = mergeContact(base, { fields: local, editedAt: 30 }, { fields: google, editedAt: 20 });
    expect(r.fields.familyName).toBe("Local");
    expect(r.conflicts).toEqual([{ field: "name", winner: "local" }]);
  });

  it("gives a tie to Google, so both replicas compute the same result", () => {
    const local = { ...base, familyName: "Local" };
    const google = { ...base, familyName: "Google" };
    expect(
      mergeContact(base, { fields: local, editedAt: 7 }, { fields: google, editedAt: 7 }).fields.familyName,
    ).toBe("Google");
  });

  it("resolves a label changed differently on both sides by the same rule", () => {
    const local = f({ ...base, phones: [{ value: "020 7946 0000", type: "home" }] });
    const google = f({ ...base, phones: [{ value: "+44 20 7946 0000", type: "main" }] });
    const r = mergeContact(base, { fields: local, editedAt: 50 }, { fields: google, editedAt: 40 });
    expect(r.fields.phones.map((p) => p.type)).toEqual(["home"]);
  });

  it("compares emails case-insensitively", () => {
    const google = f({ ...base, emails: [{ value: "ADA@Example.com", type: "work" }] });
    const r = mergeContact(base, { fields: base, editedAt: 1 }, { fields: google, editedAt: 2 });
    expect(r.fields.emails).toHaveLength(1);
    expect(contactFieldsHash(google)).toBe(contactFieldsHash(base));
  });

  it("unions two never-synced contacts (no base) without losing a value", () => {
    const a = f({ givenName: "Ada", phones: [{ value: "020 7946 0000" }] });
    const b = f({ givenName: "Ada", emails: [{ value: "ada@example.com" }] });
    const r = mergeContact(null, { fields: a, editedAt: 1 }, { fields: b, editedAt: 2 });
    expect(r.fields.phones).toHaveLength(1);
    expect(r.fields.emails).toHaveLength(1);
  });

  it("is idempotent: merging the result again changes nothing", () => {
    const local = { ...base, givenName: "Augusta" };
    const google = f({ ...base, emails: [] });
    const once = mergeContact(base, { fields: local, editedAt: 1 }, { fields: google, editedAt: 2 }).fields;
    const twice = mergeContact(base, { fields: once, editedAt: 1 }, { fields: google, editedAt: 2 }).fields;
    expect(contactFieldsHash(twice)).toBe(contactFieldsHash(once));
  });
});
