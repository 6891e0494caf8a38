// The phone parser behind canonicalForm: common national and international formats become E.164;
// text and too-short numbers do not.
import { describe, expect, it } from "vitest";
import { toE164 } from "./phone";

describe("toE164", () => {
  it.each([
    ["+1 (650) 555-0100", "US", "+16505550100"],
    ["(650) 555-0100", "US", "+16505550100"],
    ["1-650-555-0100", "US", "+16505550100"],
    ["650.555.0100 ext. 12", "US", "+16505550100"],
    ["011 44 20 7946 0018", "US", "+442079460018"],
    ["020 7946 0018", "GB", "+442079460018"],
    ["07700 900123", "GB", "+447700900123"],
    ["0049 30 901820", "GB", "+4930901820"],
    ["030 901820", "DE", "+4930901820"],
    ["06 12 34 56 78", "FR", "+33612345678"],
    ["+39 02 1234 5678", "GB", "+390212345678"],
  ])("%s in %s is %s", (raw, region, expected) => {
    expect(toE164(raw, region)).toBe(expected);
  });

  it.each([["reception"], ["12345"], ["555-0100"], ["+0 123 456 789"]])("%s has no canonical form", (raw) => {
    expect(toE164(raw, "US")).toBeUndefined();
  });
});
