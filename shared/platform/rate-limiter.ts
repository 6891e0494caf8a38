// A per-instance sliding-window limiter: acquire() resolves when a call fits in the last minute's
// budget for its key. It keeps one worker instance under a Google per-minute quota before Google has to
// say 403; the retry with backoff still handles what several instances together overrun.
export interface RateLimiter {
  acquire(key: string): Promise<void>;
}

export function perMinuteLimiter(
  limit: number,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): RateLimiter {
  const windows = new Map<string, number[]>();
  return {
    async acquire(key) {
      for (;;) {
        const t = now();
        const recent = (windows.get(key) ?? []).filter((at) => at > t - 60_000);
        if (recent.length < limit) {
          recent.push(t);
          windows.set(key, recent);
          return;
        }
        windows.set(key, recent);
        await sleep(recent[0]! + 60_000 - t + 1);
      }
    },
  };
}
