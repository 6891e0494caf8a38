// The People write pacer (pure, on a fake clock): writes spend a sliding one-minute budget of 30 units,
// batch calls cost 6, and a call that does not fit waits for the oldest spend to leave the window.
import { describe, expect, it } from "vitest";
import { PEOPLE_WRITES_PER_MINUTE, WRITE_COST, writeBudget } from "./people-write-pacer";

function fakeTime() {
  let now = Date.parse("2026-12-03T10:00:00Z");
  return {
    clock: () => new Date(now),
    sleep: async (ms: number) => {
      now += ms;
    },
    elapsed: () => now - Date.parse("2026-12-03T10:00:00Z"),
  };
}

describe("People write pacer", () => {
  it("lets five batch calls through each minute and waits for the window for the sixth", async () => {
    const time = fakeTime();
    const budget = writeBudget(time);
    const startedAt: number[] = [];
    for (let i = 0; i < 25; i++) {
      await budget.spend(WRITE_COST.batch);
      startedAt.push(time.elapsed());
    }
    // 5 × 6 = 30 units a minute: calls 0–4 at once, 5–9 a minute later, … 20–24 four minutes later.
    expect(startedAt.filter((t) => t === 0)).toHaveLength(5);
    expect(startedAt[5]).toBe(60_000);
    expect(startedAt[24]).toBe(240_000);
    expect(budget.waitedMs()).toBe(240_000);
    // Never more than the limit in any minute.
    for (const t of startedAt)
      expect(startedAt.filter((u) => u > t - 60_000 && u <= t).length * WRITE_COST.batch).toBeLessThanOrEqual(
        PEOPLE_WRITES_PER_MINUTE,
      );
  });

  it("does not wait while the budget has room, and lets a call costlier than the budget through alone", async () => {
    const time = fakeTime();
    const budget = writeBudget({ ...time, writesPerMinute: 5 });
    for (let i = 0; i < 5; i++) await budget.spend(WRITE_COST.single);
    expect(time.elapsed()).toBe(0);
    await budget.spend(WRITE_COST.batchDelete); // 10 > 5: waits for an empty window, then goes alone
    expect(time.elapsed()).toBe(60_000);
    await budget.spend(WRITE_COST.single);
    expect(time.elapsed()).toBe(120_000);
  });
});
