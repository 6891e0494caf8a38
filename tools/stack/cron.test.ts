import { describe, expect, it } from "vitest";
import { parseCron } from "./cron";

describe("local scheduler's cron", () => {
  it("finds the next quarter hour", () => {
    expect(parseCron("*/15 * * * *").next(new Date("2026-11-26T10:07:30Z")).toISOString()).toBe(
      "2026-11-26T10:15:00.000Z",
    );
  });

  it("evaluates in the job's time zone, across a DST change", () => {
    // 02:30 Europe/Berlin daily; on 2026-03-29 02:30 does not exist locally, so the next is the 30th.
    const cron = parseCron("30 2 * * *", "Europe/Berlin");
    expect(cron.next(new Date("2026-03-28T02:00:00Z")).toISOString()).toBe("2026-03-30T00:30:00.000Z");
  });

  it("applies cron's OR rule when both day fields are restricted", () => {
    const cron = parseCron("0 9 1 * 1"); // the 1st of the month, or any Monday
    expect(cron.matches(new Date("2026-12-01T09:00:00Z"))).toBe(true); // a Tuesday, the 1st
    expect(cron.matches(new Date("2026-12-07T09:00:00Z"))).toBe(true); // a Monday
    expect(cron.matches(new Date("2026-12-08T09:00:00Z"))).toBe(false);
  });

  it("refuses malformed expressions", () => {
    expect(() => parseCron("61 * * * *")).toThrow(/Invalid cron field/);
    expect(() => parseCron("* * *")).toThrow(/5 fields/);
  });
});
