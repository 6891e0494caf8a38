// A per-instance fixed-window counter for incoming requests: take() says at once whether one more request
// fits this minute's budget for its key, and when the window frees up. It bounds what one client (an IP,
// a webhook channel) can make one instance do; a load balancer's policy (Cloud Armor) bounds the rest.
export interface RequestLimiter {
  /** true when the request fits; otherwise the seconds until the key's window resets. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number };
}

const WINDOW_MS = 60_000;
/** Keys kept at most; the oldest windows are dropped first, so a flood of keys cannot grow memory. */
const MAX_KEYS = 10_000;

export function requestLimiter(perMinute: () => number, now: () => number = Date.now): RequestLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const resetIn = (w: { start: number }, t: number) =>
    Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
  return {
    take(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= WINDOW_MS) {
        windows.delete(key);
        if (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value as string);
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      if (w.count >= perMinute()) {
        return { ok: false, retryAfterSeconds: resetIn(w, t) };
      }
      w.count++;
      return { ok: true };
    },
  };
}
