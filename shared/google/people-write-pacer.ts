// Paces one user's People writes under Google's per-user quota of critical writes per minute, so a bulk
// push (an import of thousands of app contacts) waits for the quota window instead of meeting 429s.
// Costs per call are the contacts guide's (docs/google-behaviour.md, "People: quota"): create and update
// 1, batch create and update 6, delete 1, batch delete 10. The pacer only knows this run's writes; a
// 429 caused by writes made elsewhere in the same minute is still retried by withGoogleRetry.
import type { PeopleApi } from "./people-api";

/** The per-user limit reported for People (docs/google-behaviour.md): 30 critical writes a minute. */
export const PEOPLE_WRITES_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

export const WRITE_COST = { single: 1, batch: 6, batchDelete: 10 } as const;

export interface PacerOptions {
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  writesPerMinute?: number;
}

/** A sliding one-minute budget: `spend` waits until the units fit, then records them. */
export function writeBudget(options: PacerOptions) {
  const limit = options.writesPerMinute ?? PEOPLE_WRITES_PER_MINUTE;
  const spent: Array<{ at: number; units: number }> = [];
  let waitedMs = 0;
  return {
    async spend(units: number): Promise<void> {
      for (;;) {
        const now = options.clock().getTime();
        while (spent.length > 0 && spent[0]!.at <= now - WINDOW_MS) spent.shift();
        const used = spent.reduce((sum, s) => sum + s.units, 0);
        if (used + units <= limit || spent.length === 0) {
          spent.push({ at: now, units });
          return;
        }
        const wait = spent[0]!.at + WINDOW_MS - now;
        waitedMs += wait;
        await options.sleep(wait);
      }
    },
    /** How long this run has waited for the quota window (a bench figure). */
    waitedMs: () => waitedMs,
  };
}

/** The same People port, with every write paced by `budget`. Reads pass through. */
export function pacedPeopleApi(api: PeopleApi, budget: ReturnType<typeof writeBudget>): PeopleApi {
  const paced =
    <A extends unknown[], R>(cost: number, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await budget.spend(cost);
      return call(...args);
    };
  return {
    listConnections: (r) => api.listConnections(r),
    listDirectory: (r) => api.listDirectory(r),
    get: (name) => api.get(name),
    create: paced(WRITE_COST.single, (person, id) => api.create(person, id)),
    update: paced(WRITE_COST.single, (name, etag, person) => api.update(name, etag, person)),
    delete: paced(WRITE_COST.single, (name) => api.delete(name)),
    batchCreate: paced(WRITE_COST.batch, (items) => api.batchCreate(items)),
    batchUpdate: paced(WRITE_COST.batch, (items) => api.batchUpdate(items)),
    batchDelete: paced(WRITE_COST.batchDelete, (names) => api.batchDelete(names)),
  };
}
