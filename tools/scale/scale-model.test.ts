import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { monthlyCostOf } from "../../bench/cost/price-model";
import { PRICES } from "../../bench/cost/prices";
import type { Activity } from "../../bench/cost/usage-model";
import { ROOT } from "../build/build";
import { renderScaleDoc, SCALE_DOC, scaleModel } from "./scale-model";

describe("cost and scale model", () => {
  it("prices an activity's operations with the list prices", () => {
    const activity: Activity = {
      name: "one sync",
      fn: "api", // 256Mi: 0.167 vCPU
      wallMs: 1000,
      reads: 100_000,
      writes: 100_000,
      messages: 0,
      google: { people: 1 },
      source: "test",
    };
    const profile = { name: "t", perDay: { sync: 1 / 30.4 }, personalContacts: 0, companyContacts: 0 };
    const cost = monthlyCostOf(profile, { sync: activity });
    expect(cost.firestoreOps).toBeCloseTo(PRICES.firestore.per100kReads + PRICES.firestore.per100kWrites, 10);
    expect(cost.compute).toBeCloseTo(0.167 * PRICES.run.vcpuSecond + 0.25 * PRICES.run.gibSecond, 10);
    expect(cost.counts.google.people).toBeCloseTo(1, 10);
  });

  it("keeps docs/scale.md equal to what the model computes from bench/results.json", async () => {
    const results = JSON.parse(await readFile(join(ROOT, "bench", "results.json"), "utf8"));
    const expected = renderScaleDoc(await scaleModel(results));
    // Stale after a bench run? `npm run bench` regenerates it; so does `npm run scale`.
    expect(await readFile(SCALE_DOC, "utf8")).toBe(expected);
  });
});
