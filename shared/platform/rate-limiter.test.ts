import { describe, expect, it } from "vitest";
import { perMinuteLimiter } from "./rate-limiter";

describe("perMinuteLimiter", () => {
  it("lets calls through up to the limit, then waits until the oldest leaves the minute", async () => {
    let clock = 0;
    const slept: number[] = [];
    const limiter = perMinuteLimiter(
      2,
      () => clock,
      async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    );
    await limiter.acquire("org");
    clock = 10;
    await limiter.acquire("org");
    await limiter.acquire("org");
    // The oldest call (t=0) leaves the window just after t=60,000.
    expect(slept).toEqual([59_991]);
    expect(clock).toBe(60_001);
  });

  it("keeps keys apart", async () => {
    const limiter = perMinuteLimiter(
      1,
      () => 0,
      async () => {
        throw new Error("should not wait");
      },
    );
    await limiter.acquire("a");
    await limiter.acquire("b");
  });
});
