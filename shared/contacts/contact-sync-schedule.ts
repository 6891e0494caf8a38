// One user's contact-sync schedule (orgs/{org}/users/{user}/syncSchedule/contacts): when the user last
// asked for a sync (POST /v1/contacts/sync), so requests are debounced, and when they were last active in
// the app (signed in or refreshed their session), which puts them on the fan-out's frequent schedule
// (contact-sync-fanout.ts). People has no push; these, the sign-in and the connect-time requests
// (shared/wiring/integration-starts.ts) are what bring Google's edits before the next scheduled sync.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { parseDocument, StoredDate } from "../platform/firestore";
import type { EventPublisher } from "../platform/pubsub";
import { requestContactSync } from "./contact-sync-messages";

export const SYNC_SCHEDULE_COLLECTION = "syncSchedule";

export const SyncSchedule = z.object({
  orgId: z.string(),
  userId: z.string(),
  requestedAt: StoredDate.nullable().optional(),
  /** Last sign-in or session refresh, recorded at most once per ACTIVITY_PRECISION_MS. */
  activeAt: StoredDate.nullable().optional(),
});
export type SyncSchedule = z.infer<typeof SyncSchedule>;

type User = { orgId: string; userId: string };

export const scheduleRef = (db: Firestore, user: User) =>
  db.doc(`orgs/${user.orgId}/users/${user.userId}/${SYNC_SCHEDULE_COLLECTION}/contacts`);

/** Activity is recorded at most this often: a session refreshes every 15 minutes while the app is open. */
export const ACTIVITY_PRECISION_MS = 60 * 60_000;

/**
 * Records that the user is using the app (best effort: a lost record only means a slower schedule until
 * the next refresh). One read per call, one write at most hourly.
 */
export async function recordActivity(db: Firestore, user: User, now: Date): Promise<boolean> {
  const ref = scheduleRef(db, user);
  const current = parseDocument(SyncSchedule, await ref.get());
  const last = current?.activeAt;
  if (last && now.getTime() - last.getTime() < ACTIVITY_PRECISION_MS) return false;
  await ref.set({ orgId: user.orgId, userId: user.userId, activeAt: now }, { merge: true });
  return true;
}

export type SyncRequestOutcome =
  | { requested: true; requestedAt: Date }
  | { requested: false; requestedAt: Date; retryAfterSeconds: number };

/**
 * A user's request for a sync now, debounced: one within `debounceMs` of the last accepted one enqueues
 * nothing. The request is recorded before it is published and restored if publishing fails, so a failed
 * request is never debounced against.
 */
export async function requestUserSync(
  db: Firestore,
  publisher: EventPublisher,
  user: User,
  now: Date,
  debounceMs: number,
): Promise<SyncRequestOutcome> {
  const ref = scheduleRef(db, user);
  const decision = await db.runTransaction(async (tx) => {
    const current = parseDocument(SyncSchedule, await tx.get(ref));
    const last = current?.requestedAt;
    if (last && now.getTime() - last.getTime() < debounceMs) {
      return { accepted: false as const, last };
    }
    tx.set(ref, { orgId: user.orgId, userId: user.userId, requestedAt: now }, { merge: true });
    return { accepted: true as const, previous: current };
  });
  if (!decision.accepted) {
    const retryAfterMs = debounceMs - (now.getTime() - decision.last.getTime());
    return {
      requested: false,
      requestedAt: decision.last,
      retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
    };
  }
  try {
    await requestContactSync(publisher, user, "user");
  } catch (error) {
    const restore = { requestedAt: decision.previous?.requestedAt ?? null };
    await ref.set(restore, { merge: true }).catch(() => undefined);
    throw error;
  }
  return { requested: true, requestedAt: now };
}

/** How old the last sync may be before opening a contact asks for a fresh one. */
export const REFRESH_ON_OPEN_AFTER_MS = 5 * 60_000;

/**
 * Opening a contact: a sync request (debounced) when the last one finished more than
 * REFRESH_ON_OPEN_AFTER_MS ago. Nothing for someone who never synced (not connected, or the first sync,
 * which connecting starts, is still running). One read when fresh.
 */
export async function refreshIfStale(
  db: Firestore,
  publisher: EventPublisher,
  user: User,
  now: Date,
  lastSyncAt: (user: User) => Promise<Date | null>,
  debounceMs: number,
): Promise<boolean> {
  const last = await lastSyncAt(user);
  if (!last || now.getTime() - last.getTime() < REFRESH_ON_OPEN_AFTER_MS) return false;
  // A plain read first: a burst of opens (a client listing contact after contact) within the debounce
  // then costs reads, not a transaction each on one document.
  const requestedAt = parseDocument(SyncSchedule, await scheduleRef(db, user).get())?.requestedAt;
  if (requestedAt && now.getTime() - requestedAt.getTime() < debounceMs) return false;
  return (await requestUserSync(db, publisher, user, now, debounceMs)).requested;
}
