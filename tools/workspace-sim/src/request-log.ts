// Every API call the simulator answered, so tests and benchmarks can assert how many calls Switchboard
// made (per method, per user) and with which outcome.

export interface LoggedRequest {
  at: number;
  api: string;
  method: string;
  user?: string;
  status: number;
  durationMs: number;
}

export interface RequestFilter {
  api?: string;
  method?: string;
  user?: string;
  status?: number;
  /** Only requests at or after this sim time. */
  since?: number;
}

const MAX_ENTRIES = 500_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    if (this.entries.length >= MAX_ENTRIES) this.entries.splice(0, MAX_ENTRIES / 10);
    this.entries.push(entry);
  }

  list(filter: RequestFilter = {}): LoggedRequest[] {
    return this.entries.filter((e) => matches(e, filter));
  }

  count(filter: RequestFilter = {}): number {
    let n = 0;
    for (const e of this.entries) if (matches(e, filter)) n++;
    return n;
  }

  /** Counts keyed by "method" and by "method user", for a quick overview. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries) {
      out[e.method] = (out[e.method] ?? 0) + 1;
      if (e.user) {
        const key = `${e.method} ${e.user}`;
        out[key] = (out[key] ?? 0) + 1;
      }
    }
    return out;
  }

  clear(): void {
    this.entries = [];
  }
}

function matches(e: LoggedRequest, f: RequestFilter): boolean {
  return (
    (f.api === undefined || e.api === f.api) &&
    (f.method === undefined || e.method === f.method) &&
    (f.user === undefined || e.user === f.user.toLowerCase()) &&
    (f.status === undefined || e.status === f.status) &&
    (f.since === undefined || e.at >= f.since)
  );
}
