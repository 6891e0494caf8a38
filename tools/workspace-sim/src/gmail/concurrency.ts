// Gmail's per-user concurrent-request limit. Google answers 429 "Too many concurrent requests for user."
// (reason rateLimitExceeded, domain global, no ErrorInfo) to the parts of a 50–100-part batch beyond what
// the user may have in flight (googleapis/google-api-dotnet-client#1982; amd/gaia#2716, #2720;
// taylorwilsdon/google_workspace_mcp#1009). The limit is not documented: 25 parts in one batch were
// measured to pass cold (amd/gaia#2720), so that is the default; parts beyond it are refused, in order.
// Deterministic given the load: a batch admits its parts up front and holds them until it answers;
// a single request holds one slot while it runs; control.gmail.simulateLoad() stands in for another
// client of the same mailbox.
import type { SimState } from "../state";

export const TOO_MANY_CONCURRENT = "Too many concurrent requests for user.";

/** The exact body Google sends for a refused part (classic envelope only). */
export const tooManyConcurrentBody = () => ({
  error: {
    code: 429,
    message: TOO_MANY_CONCURRENT,
    errors: [{ message: TOO_MANY_CONCURRENT, domain: "global", reason: "rateLimitExceeded" }],
    status: "RESOURCE_EXHAUSTED",
  },
});

interface Load {
  slots: number;
  /** Takes its slots only after this many refusals (another client's burst arriving just then). */
  fromRefusals?: number;
  /** Released by itself after this many refusals while it holds slots (another client finishing then). */
  untilRefusals?: number;
  active: boolean;
}

interface UserSlots {
  inFlight: number;
  loads: Set<Load>;
}

const bySim = new WeakMap<SimState, Map<string, UserSlots>>();

function slotsOf(state: SimState, userId: string): UserSlots {
  let users = bySim.get(state);
  if (!users) {
    users = new Map();
    bySim.set(state, users);
  }
  let u = users.get(userId);
  if (!u) {
    u = { inFlight: 0, loads: new Set() };
    users.set(userId, u);
  }
  return u;
}

/** Takes one slot for the user; false (and one refusal counted) when the limit is reached. */
export function admit(state: SimState, userId: string, limit: number | null): boolean {
  const u = slotsOf(state, userId);
  if (limit === null || u.inFlight < limit) {
    u.inFlight += 1;
    return true;
  }
  for (const load of [...u.loads]) {
    if (!load.active) {
      load.fromRefusals = (load.fromRefusals ?? 1) - 1;
      if (load.fromRefusals <= 0) {
        load.active = true;
        u.inFlight += load.slots;
      }
      continue;
    }
    if (load.untilRefusals === undefined) continue;
    load.untilRefusals -= 1;
    if (load.untilRefusals <= 0) endLoad(u, load);
  }
  return false;
}

export function release(state: SimState, userId: string, slots = 1): void {
  const u = slotsOf(state, userId);
  u.inFlight = Math.max(0, u.inFlight - slots);
}

function endLoad(u: UserSlots, load: Load): void {
  if (!u.loads.delete(load) || !load.active) return;
  u.inFlight = Math.max(0, u.inFlight - load.slots);
}

export interface LoadOptions {
  /** The load starts once the user has been refused this many times (default: at once). */
  fromRefusals?: number;
  /** The load ends by itself once it has seen this many refusals (default: when released). */
  untilRefusals?: number;
}

/** Another client's requests in flight for the user, until released. */
export function occupy(
  state: SimState,
  userId: string,
  slots: number,
  options: LoadOptions = {},
): { release(): void } {
  const u = slotsOf(state, userId);
  const active = !options.fromRefusals;
  const load: Load = { slots, active, ...options };
  u.loads.add(load);
  if (active) u.inFlight += slots;
  return { release: () => endLoad(u, load) };
}

export function resetConcurrency(state: SimState): void {
  bySim.delete(state);
}
