// Failures and slowness a test asks for: "the next 2 connections.list calls for alice get 503",
// "every People call takes 300 ms longer", "drop the next directory push".

export const FAILURE_KINDS = ["401", "429", "403", "403-user", "500", "503"] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface FaultRule {
  /** "people", "directory", "oauth", or "*" for all. */
  api?: string;
  /** A method id such as "people.connections.list"; omit for every method of the api. */
  method?: string;
  /** Primary email of the calling user; omit for every user. */
  user?: string;
  /**
   * Fail with this status:
   * - "429": 429 RESOURCE_EXHAUSTED, reason `rateLimitExceeded`;
   * - "403": 403 PERMISSION_DENIED, reason `rateLimitExceeded`, domain `usageLimits` (a project rate limit);
   * - "403-user": 403 PERMISSION_DENIED, reason `userRateLimitExceeded`, domain `usageLimits` (a per-user
   *   quota; the same body the Directory API's own queries-per-minute-per-user limit sends);
   * - "500": 500 INTERNAL `backendError`; "503": 503 UNAVAILABLE `backendError`;
   * - "401": 401 UNAUTHENTICATED for a token that has not expired: an access token that died early
   *   (README "Token failures"). The OAuth endpoints answer it as 401 `invalid_client`.
   * The OAuth endpoints keep the OAuth body (`rate_limit_exceeded` for 429, 403 and 403-user).
   */
  fail?: FailureKind;
  /** Added latency in (real) milliseconds. */
  latencyMs?: number;
  /** Drop push notifications instead of delivering them (api "directory"). */
  dropPush?: boolean;
  /** How many matching calls this rule affects; omit for unlimited. */
  times?: number;
}

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
}

export interface FaultDecision {
  fail?: FailureKind;
  latencyMs: number;
}

export class FaultPlan {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  add(rule: FaultRule): number {
    if (rule.fail !== undefined && !(FAILURE_KINDS as readonly string[]).includes(rule.fail))
      throw new Error(`unknown fault fail "${rule.fail}"; use one of ${FAILURE_KINDS.join(", ")}`);
    const id = this.nextId++;
    this.rules.push({ ...rule, id, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  /** Consumes one use of each matching rule and says what should happen to this call. */
  decide(api: string, method: string, user: string | undefined): FaultDecision {
    let latencyMs = 0;
    let fail: FailureKind | undefined;
    for (const rule of this.rules) {
      if (rule.dropPush || rule.remaining <= 0 || !this.matches(rule, api, method, user)) continue;
      if (rule.fail && fail) continue; // one failure per call; later rules wait their turn
      rule.remaining--;
      latencyMs += rule.latencyMs ?? 0;
      if (rule.fail) fail = rule.fail;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return fail ? { fail, latencyMs } : { latencyMs };
  }

  /** True if a push notification for this user should be dropped (consumes the rule). */
  shouldDropPush(api: string, user: string | undefined): boolean {
    const rule = this.rules.find(
      (r) => r.dropPush && r.remaining > 0 && this.matches(r, api, r.method ?? "", user),
    );
    if (!rule) return false;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return true;
  }

  private matches(rule: FaultRule, api: string, method: string, user: string | undefined): boolean {
    if (rule.api && rule.api !== "*" && rule.api !== api) return false;
    if (rule.method && rule.method !== method) return false;
    if (rule.user && rule.user.toLowerCase() !== user) return false;
    return true;
  }
}
