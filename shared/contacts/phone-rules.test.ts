import { describe, expect, it } from "vitest";
import { normaliseFields } from "./contact-model";
import { nationalDigitsOf, phoneKeyOf, toE164 } from "./phone-rules";

describe("phone rules", () => {
  it.each([
    ["020 7946 0000", "GB", "+442079460000"],
    ["+44 20 7946 0000", "US", "+442079460000"],
    ["0044 20 7946 0000", "GB", "+442079460000"],
    ["(415) 555-0132", "US", "+14155550132"],
    ["415.555.0132", "US", "+14155550132"],
    ["011 44 20 7946 0000", "US", "+442079460000"],
    ["442079460000", "GB", "+442079460000"],
    ["+49 30 901820", "GB", "+4930901820"],
  ])("normalises %s in %s to %s", (raw, region, e164) => {
    expect(toE164(raw, region)).toBe(e164);
  });

  it("refuses what is not a valid number instead of guessing", () => {
    expect(toE164("12", "GB")).toBeNull();
    expect(toE164("call me", "GB")).toBeNull();
    expect(toE164("+44 20 7946", "GB")).toBeNull();
  });

  it("never invents a country: bare digits that are not valid in the org's region stay unparsed", () => {
    // A mistyped US number whose digits happen to form a valid German one.
    expect(toE164("4930901820", "US")).toBeNull();
    expect(toE164("442079460000", "US")).toBeNull();
    // "00" is not the international prefix in the US.
    expect(toE164("0044 20 7946 0000", "US")).toBeNull();
  });

  it("keeps an unparseable number as typed and flags it, never drops it", () => {
    const f = normaliseFields(
      { phones: [{ value: " ext. 12 " }, { value: "020 7946 0000", type: "work" }] },
      "GB",
    );
    expect(f.phones).toEqual([
      { value: "ext. 12", type: "other", e164: null },
      { value: "020 7946 0000", type: "work", e164: "+442079460000" },
    ]);
    expect(phoneKeyOf(f.phones[0]!)).toBe("raw:12");
  });

  it("folds the same number typed twice in different formats into one", () => {
    const f = normaliseFields({ phones: [{ value: "020 7946 0000" }, { value: "+44 20 7946 0000" }] }, "GB");
    expect(f.phones).toHaveLength(1);
  });

  it("gives the national digits for local-prefix search", () => {
    expect(nationalDigitsOf("+442079460000")).toBe("02079460000");
  });
});
