import { describe, expect, it } from "vitest";
import { countryName, DialInSettings, groupDialIn } from "./dial-in";
import {
  BLOCK_END,
  BLOCK_START,
  DESCRIPTION_LIMIT,
  fitMeetingBlock,
  renderMeetingBlock,
  stripMeetingBlock,
  upsertMeetingBlock,
} from "./meeting-block";

const numbers = [
  { country: "US", number: "+12125550100" },
  { country: "GB", number: "+442071234567", label: "London" },
  { country: "DE", number: "+4930123456" },
  { country: "GB", number: "+441612345678", label: "Manchester" },
];

describe("dial-in grouping", () => {
  it("groups by country with the organiser's country first and the rest by name", () => {
    const groups = groupDialIn(numbers, "gb");
    expect(groups.map((g) => g.country)).toEqual(["GB", "DE", "US"]);
    expect(groups[0]?.numbers.map((n) => n.number)).toEqual(["+442071234567", "+441612345678"]);
    expect(groups[1]?.countryName).toBe("Germany");
    expect(groupDialIn(numbers, undefined).map((g) => g.country)).toEqual(["DE", "GB", "US"]);
  });

  it("accepts E.164 numbers with real country codes only", () => {
    expect(DialInSettings.safeParse({ numbers }).success).toBe(true);
    expect(
      DialInSettings.safeParse({ numbers: [{ country: "gb", number: "+442071234567" }] }).data?.numbers[0]
        ?.country,
    ).toBe("GB");
    expect(DialInSettings.safeParse({ numbers: [{ country: "GB", number: "020 7123 4567" }] }).success).toBe(
      false,
    );
    expect(DialInSettings.safeParse({ numbers: [{ country: "XX", number: "+442071234567" }] }).success).toBe(
      false,
    );
    expect(DialInSettings.safeParse({ numbers: [{ country: "GBR", number: "+442071234567" }] }).success).toBe(
      false,
    );
    const dup = { country: "GB", number: "+442071234567" };
    expect(DialInSettings.safeParse({ numbers: [dup, dup] }).success).toBe(false);
    expect(countryName("ZZ")).toBeUndefined();
  });
});

describe("meeting block in a description", () => {
  const block = renderMeetingBlock({
    joinUrl: "https://app.acme.test/meet/abc",
    pin: "123456",
    dialIn: groupDialIn(numbers, "GB"),
  });

  it("renders the join link, PIN and numbers between markers, organiser's country first", () => {
    expect(block.startsWith(BLOCK_START)).toBe(true);
    expect(block.endsWith(BLOCK_END)).toBe(true);
    expect(block).toContain("https://app.acme.test/meet/abc");
    expect(block).toContain("123456");
    expect(block.indexOf("United Kingdom: +442071234567 (London)")).toBeLessThan(
      block.indexOf("Germany: +4930123456"),
    );
    expect(block.indexOf("Germany")).toBeLessThan(block.indexOf("United States"));
  });

  it("adding twice keeps one block; replacing updates it in place; removing restores the original", () => {
    const original = "Agenda:\n- budget\n- hiring\n";
    const once = upsertMeetingBlock(original, block);
    const twice = upsertMeetingBlock(once, block);
    expect(twice).toBe(once);
    expect(twice.split(BLOCK_START)).toHaveLength(2);
    const updated = upsertMeetingBlock(once, block.replace("123456", "654321"));
    expect(updated.split(BLOCK_START)).toHaveLength(2);
    expect(updated).toContain("654321");
    expect(stripMeetingBlock(once)).toBe(original);
    expect(stripMeetingBlock(upsertMeetingBlock("", block))).toBe("");
    expect(stripMeetingBlock(upsertMeetingBlock(null, block))).toBe("");
    expect(stripMeetingBlock(original)).toBe(original);
  });

  it("keeps text the organiser wrote after the block", () => {
    const withAfter = `${upsertMeetingBlock("Intro", block)}\nPS: bring slides`;
    expect(stripMeetingBlock(withAfter)).toBe("Intro\nPS: bring slides");
  });
});

describe("meeting block within Google's description limit (8,192 characters: Nylas 'Event Description Limits')", () => {
  const many = Array.from({ length: 100 }, (_, i) => ({
    country: i < 10 ? "GB" : "US",
    number: `+1212555${String(1000 + i)}`,
    label: `Line ${i} `.padEnd(60, "."),
  }));
  const m = { joinUrl: "https://app.acme.test/meet/abc", pin: "123456", dialIn: groupDialIn(many, "GB") };

  it("keeps every number when it fits; otherwise drops numbers from the end behind a 'more numbers' link", () => {
    const small = fitMeetingBlock("Agenda", { ...m, dialIn: groupDialIn(many.slice(0, 3), "GB") });
    expect(small).toBe(
      upsertMeetingBlock("Agenda", renderMeetingBlock({ ...m, dialIn: groupDialIn(many.slice(0, 3), "GB") })),
    );
    const agenda = "A".repeat(3_000);
    const fitted = fitMeetingBlock(agenda, m)!;
    expect(fitted.length).toBeLessThanOrEqual(DESCRIPTION_LIMIT);
    expect(fitted.startsWith(agenda)).toBe(true);
    expect(fitted).toContain("More numbers: https://app.acme.test/meet/abc#dial-in");
    expect(fitted).toContain("United Kingdom: +12125551000"); // the organiser's country stays
    expect(fitted).not.toContain("+12125551099");
    expect(stripMeetingBlock(fitted)).toBe(agenda);
  });

  it("gives up (undefined) only when the organiser's own text leaves no room for the block", () => {
    expect(fitMeetingBlock("A".repeat(DESCRIPTION_LIMIT - 10), m)).toBeUndefined();
    const tight = fitMeetingBlock("A".repeat(DESCRIPTION_LIMIT - 400), m)!;
    expect(tight.length).toBeLessThanOrEqual(DESCRIPTION_LIMIT);
    expect(tight).toContain("More numbers:");
  });
});
