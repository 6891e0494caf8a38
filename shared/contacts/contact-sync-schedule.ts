// One user's contact-sync schedule (orgs/{org}/users/{user}/syncSchedule/contacts): when the user last
// asked for a sync (POST /v1/contacts/sync, debounced), when they were last active (the adaptive fan-out
// syncs active users more often) and when the fan-out next syncs them. People has no push, so this
// schedule is what keeps Google's edits fresh.
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
  lastActiveAt: StoredDate.nullable().optional(),
  nextSyncAt: StoredDate,
});
export type SyncSchedule = z.infer<typeof SyncSchedule>;

export interface SyncIntervals {
  /** Users active within activeWindowMs are synced this often. */
  activeEveryMs: number;
  /** Everyone else this often. */
  idleEveryMs: number;
  activeWindowMs: number;
}

export const SYNC_INTERVAL_DEFAULTS: SyncIntervals = {
  activeEveryMs: 5 * 60_000,
  idleEveryMs: 60 * 60_000,
  activeWindowMs: 24 * 3600_000,
};

type User = { orgId: string; userId: string };

export const scheduleRef = (db: Firestore, user: User) =>
  db.doc(`orgs/${user.orgId}/users/${user.userId}/${SYNC_SCHEDULE_COLLECTION}/contacts`);

/** When a user is next due: sooner for someone active within the window. */
export function nextSyncAfter(
  at: Date,
  lastActiveAt: Date | null | undefined,
  intervals: SyncIntervals,
): Date {
  const active = lastActiveAt && at.getTime() - lastActiveAt.getTime() <= intervals.activeWindowMs;
  return new Date(at.getTime() + (active ? intervals.activeEveryMs : intervals.idleEveryMs));
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
  intervals: SyncIntervals = SYNC_INTERVAL_DEFAULTS,
): Promise<SyncRequestOutcome> {
  const ref = scheduleRef(db, user);
  const decision = await db.runTransaction(async (tx) => {
    const current = parseDocument(SyncSchedule, await tx.get(ref));
    const last = current?.requestedAt;
    if (last && now.getTime() - last.getTime() < debounceMs) {
      return { accepted: false as const, last };
    }
    tx.set(ref, {
      orgId: user.orgId,
      userId: user.userId,
      requestedAt: now,
      lastActiveAt: now,
      // This request is the sync: the fan-out's next one is a full interval away.
      nextSyncAt: nextSyncAfter(now, now, intervals),
    });
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
    await (decision.previous ? ref.set(decision.previous) : ref.delete()).catch(() => undefined);
    throw error;
  }
  return { requested: true, requestedAt: now };
}

/**
 * Puts a newly connected user on the schedule (due at once, so the fan-out also covers them should the
 * connect-time request be lost), keeping what an earlier connection recorded.
 */
export async function scheduleConnectedUser(db: Firestore, user: User, now: Date): Promise<void> {
  await scheduleRef(db, user).set(
    { orgId: user.orgId, userId: user.userId, nextSyncAt: now },
    { merge: true },
  );
}
