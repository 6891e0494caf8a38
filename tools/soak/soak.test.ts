// The soak's short run, on the test run's emulators: a minute of changes on both sides and faults (a
// killed function among them) with a few people per org, then every invariant must hold. The long run
// is `npm run soak -- --minutes N`.
import { describe, expect, it } from "vitest";
import { useEmulators } from "../testing/emulator-env";
import { runSoak } from "./soak";

const emulators = useEmulators("soak");

describe("soak, short run", () => {
  it("ends with every contact equal on both sides, presence and accounts as in Google, no dead letters", async () => {
    const report = await runSoak({
      minutes: 1,
      peoplePerOrg: 6,
      seed: 7,
      faultEverySeconds: 4,
      settleSeconds: 300,
      projectId: emulators.projectId,
      emulators,
      build: false,
      log: () => {},
    });
    expect(report.violations).toEqual([]);
    expect(report.figures.changes).toBeGreaterThan(50);
    expect(report.figures.faultsInjected).toBeGreaterThan(5);
  }, 600_000);
});
