// The simulator's notion of "now". Token lifetimes, sync-token expiry and quota windows all read this
// clock, so a test can jump days ahead instead of waiting. By default it follows wall time plus an offset.

export interface SimClock {
  now(): number;
  advance(ms: number): number;
  set(epochMs: number): void;
  /** Stop following wall time (useful for exact assertions on timestamps). */
  freeze(): void;
}

export function createClock(options: { startAt?: number; frozen?: boolean } = {}): SimClock {
  let offset = options.startAt === undefined ? 0 : options.startAt - Date.now();
  let frozenAt: number | undefined = options.frozen ? Date.now() + offset : undefined;
  return {
    now: () => frozenAt ?? Date.now() + offset,
    advance(ms) {
      if (frozenAt !== undefined) frozenAt += ms;
      else offset += ms;
      return frozenAt ?? Date.now() + offset;
    },
    set(epochMs) {
      if (frozenAt !== undefined) frozenAt = epochMs;
      else offset = epochMs - Date.now();
    },
    freeze() {
      frozenAt ??= Date.now() + offset;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const isoTime = (epochMs: number) => new Date(epochMs).toISOString();
