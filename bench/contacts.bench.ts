import { type FirestoreMeter, firestoreContactRepository } from "../shared/contacts/contact-repository";
import { syncContacts } from "../shared/contacts/contact-sync";
import { toE164 } from "../shared/contacts/phone-rules";
import { googlePeopleApi } from "../shared/google/people-api";
import { ORG, silentLog, USERS } from "../shared/identity/test/identity-test-support";
import type { Bench, Figure } from "./bench";
import { withContactsBench } from "./contacts-bench-env";

const CONTACTS = 25_000;
// A caller-ID lookup reads one index document and the contacts it names (a get each, whatever the
// contact count), so a large sample is cheap: 2,000 after 50 unmeasured ones (connection warm-up), which
// makes p99 a percentile rather than the single slowest of a hundred.
const LOOKUPS = 2_000;
const WARM_UP = 50;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

function countingMeter() {
  const counts = { reads: 0, writes: 0 };
  const meter: FirestoreMeter = {
    read: (n) => {
      counts.reads += n;
    },
    write: (n) => {
      counts.writes += n;
    },
  };
  return { counts, meter, reset: () => Object.assign(counts, { reads: 0, writes: 0 }) };
}

/** Peak RSS while `work` runs, sampled every 25 ms. */
async function withPeakMemory<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; peakHeapMb: number; heapGrowthMb: number }> {
  // The simulator (and its 25,000 contacts) lives in this process too: the growth is the sync's share.
  const before = process.memoryUsage().heapUsed;
  let rss = process.memoryUsage().rss;
  let heap = before;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 25);
  try {
    const result = await work();
    return {
      result,
      peakRssMb: rss / 2 ** 20,
      peakHeapMb: heap / 2 ** 20,
      heapGrowthMb: (heap - before) / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}

const bench: Bench = {
  name: "contacts",
  description:
    "Contact sync at 25,000 contacts: full sync, no-op and one-change incremental syncs, caller-ID latency",
  async run(): Promise<Figure[]> {
    return withContactsBench(
      "contacts-bench",
      [{ user: USERS.alice, givenName: "Alice", contacts: CONTACTS }],
      async ({ db, sim, services }) => {
        const alice = { orgId: ORG, userId: USERS.alice.userId };
        const { counts, meter, reset } = countingMeter();
        const deps = {
          people: googlePeopleApi({ target: { rootUrl: sim.url }, tokens: services.tokens(), user: alice }),
          repo: firestoreContactRepository(db, alice, meter),
          region: "GB",
          clock: () => new Date(),
          log: silentLog,
        };
        const peopleCalls = () => sim.control.requestCount({ api: "people" });
        const figures: Figure[] = [];

        // Full sync of 25,000 contacts.
        sim.control.clearRequestLog();
        let t = performance.now();
        const full = await withPeakMemory(() => syncContacts(deps));
        const fullMs = performance.now() - t;
        if (full.result.personal.counts.created !== CONTACTS)
          throw new Error(`full sync created ${full.result.personal.counts.created}`);
        figures.push(
          { name: "contacts.full_sync_25k.wall", value: fullMs / 1000, unit: "s" },
          { name: "contacts.full_sync_25k.people_calls", value: peopleCalls(), unit: "calls" },
          { name: "contacts.full_sync_25k.firestore_reads", value: counts.reads, unit: "docs" },
          { name: "contacts.full_sync_25k.firestore_writes", value: counts.writes, unit: "docs" },
          { name: "contacts.full_sync_25k.peak_rss", value: full.peakRssMb, unit: "MiB" },
          { name: "contacts.full_sync_25k.peak_heap", value: full.peakHeapMb, unit: "MiB" },
          { name: "contacts.full_sync_25k.heap_growth", value: full.heapGrowthMb, unit: "MiB" },
        );

        // Incremental, nothing changed.
        reset();
        sim.control.clearRequestLog();
        t = performance.now();
        await syncContacts(deps);
        figures.push(
          { name: "contacts.incremental_noop.wall", value: performance.now() - t, unit: "ms" },
          { name: "contacts.incremental_noop.people_calls", value: peopleCalls(), unit: "calls" },
          { name: "contacts.incremental_noop.firestore_reads", value: counts.reads, unit: "docs" },
          { name: "contacts.incremental_noop.firestore_writes", value: counts.writes, unit: "docs" },
        );

        // Incremental, one contact edited in Google.
        const someone = sim.control.contacts(USERS.alice.email)[1234] as { resourceName: string };
        sim.control.editContact(USERS.alice.email, someone.resourceName, { emails: ["changed@example.org"] });
        // Google's incremental sync shows the edit only after its write→sync lag (realistic profile).
        sim.control.advanceClock(sim.control.settings().people.syncLagMs + 1000);
        reset();
        sim.control.clearRequestLog();
        t = performance.now();
        const one = await syncContacts(deps);
        if (one.personal.counts.updated !== 1) throw new Error("the single change was not applied");
        figures.push(
          { name: "contacts.incremental_one_change.wall", value: performance.now() - t, unit: "ms" },
          { name: "contacts.incremental_one_change.people_calls", value: peopleCalls(), unit: "calls" },
          { name: "contacts.incremental_one_change.firestore_reads", value: counts.reads, unit: "docs" },
          { name: "contacts.incremental_one_change.firestore_writes", value: counts.writes, unit: "docs" },
        );

        // Caller-ID: random stored numbers, looked up one at a time.
        const numbers = (
          sim.control.contacts(USERS.alice.email) as Array<{ phoneNumbers?: Array<{ value: string }> }>
        )
          .flatMap((p) => p.phoneNumbers ?? [])
          .flatMap((n) => toE164(n.value, "GB") ?? []);
        const latencies: number[] = [];
        for (let i = 0; i < WARM_UP + LOOKUPS; i++) {
          const e164 = numbers[Math.floor(Math.random() * numbers.length)] as string;
          const start = performance.now();
          const found = await deps.repo.byPhone(e164, 20);
          if (i >= WARM_UP) latencies.push(performance.now() - start);
          if (found.length === 0) throw new Error(`lookup of ${e164} found nothing`);
        }
        figures.push(
          { name: "contacts.caller_id_25k.p50", value: quantile(latencies, 0.5), unit: "ms" },
          { name: "contacts.caller_id_25k.p99", value: quantile(latencies, 0.99), unit: "ms" },
        );
        return figures;
      },
    );
  },
};

export default bench;
