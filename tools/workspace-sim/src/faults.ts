// Failures and slowness a test asks for: "the next 2 connections.list calls for alice get 503",
// "every People call takes 300 ms longer", "drop the next directory push".

export type FailureKind = "429" | "403" | "500" | "503";

export interface FaultRule {
  /** "people", "directory", "oauth", or "*" for all. */
  api?: string;
  /** A method id such as "people.connections.list"; omit for every method of the api. */
  method?: string;
  /** Primary email of the calling user; omit for every user. */
  user?: string;
  /** Fail with this status (429 RESOURCE_EXHAUSTED, 403 rateLimitExceeded, 500, 503). */
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
