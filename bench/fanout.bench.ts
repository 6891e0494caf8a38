// The adaptive contact-sync fan-out at 100,000 connected users (FANOUT_BENCH_USERS to change it) on the
// Firestore emulator, 10% of them active in the app within the day: the hourly slot pages through every
// contacts grant, a 5-minute slot through the active people's schedule records (500 a page, a checkpoint
// per page), each publishing one request per person. Figures: wall time, documents read, requests, peak
// heap. The emulator answers a collection-group query by scanning, so its times are an upper bound of
// Firestore's (which reads an index). Publishing goes to a counting publisher: the emulator's Pub/Sub
// throughput says nothing about Google's (docs/scale.md models the real limits).
import { Firestore } from "@google-cloud/firestore";
import { FANOUT_DEFAULTS, fanOutContactSync } from "../shared/contacts/contact-sync-fanout";
import { scheduleRef } from "../shared/contacts/contact-sync-schedule";
import { createLogger } from "../shared/platform/logger";
import type { EventPublisher } from "../shared/platform/pubsub";
import { startEmulators } from "../tools/emulators/emulators";
import type { Bench, Figure } from "./bench";

const USERS = Number(process.env.FANOUT_BENCH_USERS ?? 100_000);
const ACTIVE_EVERY = 10; // one person in ten is active
const ORGS = 100;
const PAGE = 500;

/** Counts the documents the fan-out's queries return (its reads), passing everything else through. */
function countingQueries(db: Firestore, counts: { reads: number }): Firestore {
  const chain = new Set(["collectionGroup", "where", "select", "orderBy", "limit", "startAfter"]);
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver);
        if (typeof value !== "function") return value;
        if (key === "get" && "where" in t)
          return async () => {
            const snap = await (value as () => Promise<{ size: number }>).call(t);
            counts.reads += Math.max(snap.size, 1);
            return snap;
          };
        return chain.has(String(key))
          ? (...args: unknown[]) => wrap(value.apply(t, args) as object)
          : value.bind(t);
      },
    });
  return wrap(db);
}

const bench: Bench = {
  name: "fanout",
  description: "The adaptive contact-sync fan-out at 100,000 connected users: time, reads, requests",
  async run(): Promise<Figure[]> {
    const projectId = "fanout-bench";
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    const db = new Firestore({ projectId });
    const k = `${Math.round(USERS / 1000)}k`;
    try {
      const seeding = performance.now();
      const now = new Date("2026-12-03T10:00:00Z");
      const writer = db.bulkWriter();
      for (let i = 0; i < USERS; i++) {
        const user = { orgId: `org-${i % ORGS}`, userId: `user-${i}` };
        void writer.set(db.doc(`orgs/${user.orgId}/users/${user.userId}/grants/g-${i}`), {
          ...user,
          status: i % 50 === 0 ? "needs_reauth" : "connected",
          integrations: ["contacts", "calendar"],
        });
        if (i % ACTIVE_EVERY === 0) void writer.set(scheduleRef(db, user), { ...user, activeAt: now });
      }
      await writer.close();
      const seedS = (performance.now() - seeding) / 1000;
      const figures: Figure[] = [{ name: `fanout.seed_${k}.wall`, value: seedS, unit: "s" }];

      for (const [slot, at] of [
        ["hourly", new Date("2026-12-03T11:00:01Z")],
        ["five_minute", new Date("2026-12-03T11:05:01Z")],
      ] as const) {
        let published = 0;
        const publisher: EventPublisher = {
          async publish() {
            published++;
            return String(published);
          },
        };
        const counts = { reads: 0 };
        const heapBefore = process.memoryUsage().heapUsed;
        let peakHeap = heapBefore;
        const sampler = setInterval(() => {
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        }, 25);
        const t = performance.now();
        const result = await fanOutContactSync(
          countingQueries(db, counts),
          publisher,
          at,
          createLogger({ level: "ERROR" }),
          { ...FANOUT_DEFAULTS, pageSize: PAGE },
        );
        const wallS = (performance.now() - t) / 1000;
        clearInterval(sampler);
        const name = `fanout.${slot}_${k}`;
        figures.push(
          { name: `${name}.wall`, value: wallS, unit: "s" },
          { name: `${name}.published`, value: result.published, unit: "requests" },
          // The listed documents; the slot record's reads and checkpoint writes come on top (one a page).
          { name: `${name}.firestore_reads`, value: counts.reads, unit: "docs" },
          { name: `${name}.people_per_second`, value: result.published / wallS, unit: "people/s" },
          { name: `${name}.heap_growth`, value: (peakHeap - heapBefore) / 2 ** 20, unit: "MiB" },
        );
      }
      return figures;
    } finally {
      await db.terminate();
      await emulators.stop();
    }
  },
};

export default bench;
