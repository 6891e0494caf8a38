// getAccessToken against the Workspace simulator and the Firestore emulator: latency of a cached token
// and of a refresh (median, p95), Firestore reads and writes per call (counted at the client), and the
// single-flight figure: token-endpoint refreshes for 100 concurrent callers on two instances.
import { DocumentReference, Firestore, Query, Transaction } from "@google-cloud/firestore";
import {
  identity,
  ORG,
  recordingPublisher,
  seedGrant,
  startSim,
  testDeps,
  testSecrets,
  USERS,
} from "../shared/identity/test/identity-test-support";
import { startEmulators } from "../tools/emulators/emulators";
import type { Bench, Figure } from "./bench";

const CACHED_RUNS = 300;
const REFRESH_RUNS = 40;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

/** Counts document reads and writes made through the Firestore client (all instances in this process). */
function countFirestoreOps() {
  const counts = { reads: 0, writes: 0 };
  const wrap = <T extends object>(proto: T, method: keyof T, count: (result: unknown) => void) => {
    const original = proto[method] as unknown as (...args: unknown[]) => unknown;
    (proto as Record<keyof T, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (result instanceof Promise)
        return result.then((r) => {
          count(r);
          return r;
        });
      count(result);
      return result;
    };
  };
  const readsOf = (r: unknown) => {
    const docs = (r as { docs?: unknown[] } | undefined)?.docs;
    counts.reads += docs ? Math.max(1, docs.length) : 1; // an empty query still costs one read
  };
  const write = () => {
    counts.writes++;
  };
  wrap(DocumentReference.prototype, "get", readsOf);
  wrap(Query.prototype, "get", readsOf);
  wrap(Transaction.prototype, "get", readsOf);
  for (const m of ["set", "update", "delete", "create"] as const) {
    wrap(DocumentReference.prototype, m, write);
    wrap(Transaction.prototype, m, write);
  }
  return counts;
}

const bench: Bench = {
  name: "identity",
  description:
    "getAccessToken: cached and refreshing latency, Firestore ops per call, refreshes for 100 concurrent callers",
  async run(): Promise<Figure[]> {
    const projectId = "identity-bench";
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    const sim = await startSim();
    const clients: Firestore[] = [];
    try {
      const secrets = await testSecrets();
      const instance = (name: string) => {
        const db = new Firestore({ projectId });
        clients.push(db);
        return identity(
          testDeps(sim, { projectId, secrets, publisher: recordingPublisher(), db, instanceId: name }),
        );
      };
      const a = instance("bench-a");
      const b = instance("bench-b");
      const ops = countFirestoreOps();
      const figures: Figure[] = [];

      // Cached: the stored token has well over 5 minutes left.
      await seedGrant(a, sim, USERS.alice, { integrations: ["contacts"] });
      const alice = { orgId: ORG, userId: USERS.alice.userId };
      await a.tokens().getAccessToken(alice, "contacts"); // warm-up: connections, key ring
      const cached: number[] = [];
      const before = { ...ops };
      for (let i = 0; i < CACHED_RUNS; i++) {
        const t = performance.now();
        await a.tokens().getAccessToken(alice, "contacts");
        cached.push(performance.now() - t);
      }
      figures.push(
        { name: "identity.get_access_token.cached.median", value: quantile(cached, 0.5), unit: "ms" },
        { name: "identity.get_access_token.cached.p95", value: quantile(cached, 0.95), unit: "ms" },
        {
          name: "identity.get_access_token.cached.firestore_reads",
          value: (ops.reads - before.reads) / CACHED_RUNS,
          unit: "reads/call",
        },
        {
          name: "identity.get_access_token.cached.firestore_writes",
          value: (ops.writes - before.writes) / CACHED_RUNS,
          unit: "writes/call",
        },
      );

      // Refreshing: before each call the clock moves so the cached token has under 5 minutes left.
      const refreshing: number[] = [];
      const beforeRefresh = { ...ops };
      sim.control.clearRequestLog();
      for (let i = 0; i < REFRESH_RUNS; i++) {
        sim.control.advanceClock({ minutes: 56 });
        const t = performance.now();
        await a.tokens().getAccessToken(alice, "contacts");
        refreshing.push(performance.now() - t);
      }
      figures.push(
        { name: "identity.get_access_token.refresh.median", value: quantile(refreshing, 0.5), unit: "ms" },
        { name: "identity.get_access_token.refresh.p95", value: quantile(refreshing, 0.95), unit: "ms" },
        {
          name: "identity.get_access_token.refresh.firestore_reads",
          value: (ops.reads - beforeRefresh.reads) / REFRESH_RUNS,
          unit: "reads/call",
        },
        {
          name: "identity.get_access_token.refresh.firestore_writes",
          value: (ops.writes - beforeRefresh.writes) / REFRESH_RUNS,
          unit: "writes/call",
        },
        {
          name: "identity.get_access_token.refresh.token_requests",
          value: sim.control.requestCount({ method: "oauth.token" }) / REFRESH_RUNS,
          unit: "requests/call",
        },
      );

      // 100 concurrent callers, half on each instance, one expired token.
      await seedGrant(a, sim, USERS.bob, { integrations: ["contacts"], expiresInMs: 60_000 });
      const bob = { orgId: ORG, userId: USERS.bob.userId };
      sim.control.clearRequestLog();
      const t = performance.now();
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).tokens().getAccessToken(bob, "contacts")),
      );
      figures.push(
        {
          name: "identity.single_flight.100_concurrent.token_refreshes",
          value: sim.control.requestCount({ method: "oauth.token" }),
          unit: "requests",
        },
        { name: "identity.single_flight.100_concurrent.wall", value: performance.now() - t, unit: "ms" },
      );
      return figures;
    } finally {
      await Promise.all(clients.map((c) => c.terminate()));
      await sim.stop();
      await emulators.stop();
    }
  },
};

export default bench;
