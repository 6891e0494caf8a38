// What calendar sync keeps per user: the events (orgs/{org}/users/{user}/calendarEvents/{calendar|event},
// reduced by event-filter) and one sync state document (orgs/{org}/users/{user}/cursors/calendar, with
// `integration: "calendar"` so identity's cursor teardown deletes it on disconnect).
import type { Firestore, Transaction } from "@google-cloud/firestore";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { converter } from "../platform/firestore";
import { CalendarEntry } from "./event-filter";

const When = z.union([z.instanceof(Timestamp).transform((t) => t.toDate()), z.date()]);

export const CalendarCursor = z.object({
  syncToken: z.string().nullable(),
  /** The full sync's window; incremental changes outside it are not kept. */
  windowStart: When,
  windowEnd: When,
  lastFullSyncAt: When,
});
export type CalendarCursor = z.infer<typeof CalendarCursor>;

export const CalendarSyncState = z.object({
  integration: z.literal("calendar"),
  orgId: z.string(),
  userId: z.string(),
  /** Keyed by calendar id. */
  calendars: z.record(z.string(), CalendarCursor),
  /** The calendars presence follows: the primary one plus those the user selected. */
  selected: z.array(z.string()).min(1),
  /** The primary calendar's IANA zone: all-day events are days there. */
  timeZone: z.string(),
  /** push: watch channels deliver changes; polling: the sweep syncs on a schedule (renewal failed). */
  mode: z.enum(["push", "polling"]),
  modeReason: z.string().nullable(),
  modeSince: When.nullable(),
  lastSyncAt: When.nullable(),
  lastError: z.string().nullable(),
});
export type CalendarSyncState = z.infer<typeof CalendarSyncState>;

export const eventsPath = (orgId: string, userId: string) => `orgs/${orgId}/users/${userId}/calendarEvents`;
export const syncStatePath = (orgId: string, userId: string) =>
  `orgs/${orgId}/users/${userId}/cursors/calendar`;
export const eventDocId = (calendarId: string, eventId: string) =>
  encodeURIComponent(`${calendarId}|${eventId}`).slice(0, 1400);

export const newSyncState = (orgId: string, userId: string): CalendarSyncState => ({
  integration: "calendar",
  orgId,
  userId,
  calendars: {},
  selected: ["primary"],
  timeZone: "Etc/UTC",
  mode: "push",
  modeReason: null,
  modeSince: null,
  lastSyncAt: null,
  lastError: null,
});

export interface CalendarStore {
  state(orgId: string, userId: string): Promise<CalendarSyncState | undefined>;
  saveState(state: CalendarSyncState): Promise<void>;
  /** Every stored entry of the user (inside a transaction when given: presence reads them there). */
  entries(orgId: string, userId: string, tx?: Transaction): Promise<CalendarEntry[]>;
  /** Replaces what is stored for one calendar by a full sync's result: what vanished is deleted. */
  replaceCalendar(
    orgId: string,
    userId: string,
    calendarId: string,
    entries: CalendarEntry[],
  ): Promise<number>;
  /** Applies an incremental page: upserts and removals. */
  apply(
    orgId: string,
    userId: string,
    calendarId: string,
    changes: { upsert: CalendarEntry[]; remove: string[] },
  ): Promise<void>;
  /** Deletes everything the user's calendar sync stored (disconnect). */
  deleteAll(orgId: string, userId: string): Promise<void>;
  /** Sync states whose last sync is older than `before` (reconciliation), and those in polling mode. */
  staleStates(before: Date, limit: number): Promise<CalendarSyncState[]>;
  pollingStates(limit: number): Promise<CalendarSyncState[]>;
}

const BATCH = 400;

export function firestoreCalendarStore(db: Firestore): CalendarStore {
  const entryCol = (orgId: string, userId: string) =>
    db.collection(eventsPath(orgId, userId)).withConverter(converter(CalendarEntry));
  const stateDoc = (orgId: string, userId: string) =>
    db.doc(syncStatePath(orgId, userId)).withConverter(converter(CalendarSyncState));
  const writeAll = async (ops: Array<(b: FirebaseFirestore.WriteBatch) => void>) => {
    for (let i = 0; i < ops.length; i += BATCH) {
      const batch = db.batch();
      for (const op of ops.slice(i, i + BATCH)) op(batch);
      await batch.commit();
    }
  };
  return {
    async state(orgId, userId) {
      return (await stateDoc(orgId, userId).get()).data();
    },
    async saveState(state) {
      await stateDoc(state.orgId, state.userId).set(state);
    },
    async entries(orgId, userId, tx) {
      const q = entryCol(orgId, userId);
      const snap = tx ? await tx.get(q) : await q.get();
      return snap.docs.map((d) => d.data());
    },
    async replaceCalendar(orgId, userId, calendarId, entries) {
      const col = entryCol(orgId, userId);
      const existing = await col.where("calendarId", "==", calendarId).select().get();
      const keep = new Set(entries.map((e) => eventDocId(calendarId, e.eventId)));
      const gone = existing.docs.filter((d) => !keep.has(d.id));
      await writeAll([
        ...entries.map(
          (e) => (b: FirebaseFirestore.WriteBatch) => b.set(col.doc(eventDocId(calendarId, e.eventId)), e),
        ),
        ...gone.map((d) => (b: FirebaseFirestore.WriteBatch) => b.delete(d.ref)),
      ]);
      return gone.length;
    },
    async apply(orgId, userId, calendarId, changes) {
      const col = entryCol(orgId, userId);
      await writeAll([
        ...changes.upsert.map(
          (e) => (b: FirebaseFirestore.WriteBatch) => b.set(col.doc(eventDocId(calendarId, e.eventId)), e),
        ),
        ...changes.remove.map(
          (id) => (b: FirebaseFirestore.WriteBatch) => b.delete(col.doc(eventDocId(calendarId, id))),
        ),
      ]);
    },
    async deleteAll(orgId, userId) {
      const docs = await db.collection(eventsPath(orgId, userId)).select().get();
      await writeAll(docs.docs.map((d) => (b: FirebaseFirestore.WriteBatch) => b.delete(d.ref)));
    },
    async staleStates(before, limit) {
      const snap = await db
        .collectionGroup("cursors")
        .where("integration", "==", "calendar")
        .where("lastSyncAt", "<", before)
        .orderBy("lastSyncAt")
        .limit(limit)
        .withConverter(converter(CalendarSyncState))
        .get();
      return snap.docs.map((d) => d.data());
    },
    async pollingStates(limit) {
      const snap = await db
        .collectionGroup("cursors")
        .where("integration", "==", "calendar")
        .where("mode", "==", "polling")
        .limit(limit)
        .withConverter(converter(CalendarSyncState))
        .get();
      return snap.docs.map((d) => d.data());
    },
  };
}
