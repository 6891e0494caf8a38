// The sync record of an org: orgs/{org}/directorySync/state holds the run in progress (its id and
// start), the last finished sync and the last error (the status route shows them); each finished
// users page is orgs/{org}/directorySync/state/directoryPages/{run}-{n}, holding the page's user ids and the
// next page token, so a crash or a 403/429 resumes from the last stored page, never from the start.
// A malformed state or page record fails the run with malformed_document: skipping a page would make
// the run miss its users (and treat them as gone), so it is never guessed around.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { expireAfter, parseDocument } from "../platform/firestore";
import type { OpCounter } from "./directory-snapshot";

const SyncKind = z.enum(["full", "reconcile"]);

export const SyncRun = z.object({ id: z.string(), kind: SyncKind, startedAt: z.string() });
export type SyncRun = z.infer<typeof SyncRun>;

export const SyncSummary = z.object({
  runId: z.string(),
  kind: SyncKind,
  startedAt: z.string(),
  finishedAt: z.string(),
  users: z.number(),
  changed: z.number(),
  deleted: z.number(),
  pages: z.number(),
});
export type SyncSummary = z.infer<typeof SyncSummary>;

export interface SyncState {
  run: SyncRun | null;
  lastSync: SyncSummary | null;
  lastError: { at: string; message: string } | null;
  lastPushAt: string | null;
}
/** The stored state: each field is written on its own (merges), so any may be missing. */
const StoredSyncState = z.object({
  run: SyncRun.nullish(),
  lastSync: SyncSummary.nullish(),
  lastError: z.object({ at: z.string(), message: z.string() }).nullish(),
  lastPushAt: z.string().nullish(),
});

export const PageRecord = z.object({
  n: z.number(),
  ids: z.array(z.string()),
  changed: z.number(),
  nextPageToken: z.string().nullable(),
});
export type PageRecord = z.infer<typeof PageRecord>;

const PAGE_TTL_MS = 7 * 24 * 3600 * 1000;
/** lastPushAt is written at most this often per org and instance. */
export const PUSH_MARK_INTERVAL_MS = 60_000;

export interface SyncStateRepository {
  get(orgId: string): Promise<SyncState>;
  update(orgId: string, patch: Partial<SyncState>): Promise<void>;
  /**
   * Records that a push arrived (lastPushAt), at most once a minute per org and instance: a bulk change
   * in Workspace sends a push per user, and one document sustains only about one write a second.
   */
  markPush(orgId: string, at: Date): Promise<void>;
  lastPage(orgId: string, runId: string): Promise<PageRecord | undefined>;
  savePage(orgId: string, runId: string, page: PageRecord): Promise<void>;
  pages(orgId: string, runId: string): Promise<PageRecord[]>;
}

export function firestoreSyncState(db: Firestore, ops: OpCounter): SyncStateRepository {
  const state = (orgId: string) => db.doc(`orgs/${orgId}/directorySync/state`);
  const pagesOf = (orgId: string) => state(orgId).collection("directoryPages");
  const pushMarked = new Map<string, number>();
  return {
    async get(orgId) {
      const snap = await state(orgId).get();
      ops.reads += 1;
      const d = parseDocument(StoredSyncState, snap) ?? {};
      return {
        run: d.run ?? null,
        lastSync: d.lastSync ?? null,
        lastError: d.lastError ?? null,
        lastPushAt: d.lastPushAt ?? null,
      };
    },
    async update(orgId, patch) {
      await state(orgId).set(patch, { merge: true });
      ops.writes += 1;
    },
    async markPush(orgId, at) {
      const last = pushMarked.get(orgId);
      if (last !== undefined && at.getTime() - last < PUSH_MARK_INTERVAL_MS) return;
      await state(orgId).set({ lastPushAt: at.toISOString() }, { merge: true });
      pushMarked.set(orgId, at.getTime());
      ops.writes += 1;
    },
    async lastPage(orgId, runId) {
      const snap = await pagesOf(orgId).where("runId", "==", runId).orderBy("n", "desc").limit(1).get();
      ops.reads += 1;
      return snap.docs[0] && parseDocument(PageRecord, snap.docs[0]);
    },
    async savePage(orgId, runId, page) {
      // The page number is in the id, so a repeated page (a redelivery) overwrites rather than adds.
      await pagesOf(orgId)
        .doc(`${runId}-${String(page.n).padStart(6, "0")}`)
        .set({ ...page, runId, expireAt: expireAfter(PAGE_TTL_MS) });
      ops.writes += 1;
    },
    async pages(orgId, runId) {
      const snap = await pagesOf(orgId).where("runId", "==", runId).get();
      ops.reads += Math.max(1, snap.size);
      return snap.docs.flatMap((d) => parseDocument(PageRecord, d) ?? []);
    },
  };
}
