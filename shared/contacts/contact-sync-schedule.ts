// One user's contact-sync requests (orgs/{org}/users/{user}/syncSchedule/contacts): when the user last
// asked for a sync (POST /v1/contacts/sync), so requests are debounced. People has no push; this and the
// connect-time request (shared/wiring/integration-starts.ts) are what bring Google's edits before the
// fan-out's next tick.
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
});
export type SyncSchedule = z.infer<typeof SyncSchedule>;

type User = { orgId: string; userId: string };

export const scheduleRef = (db: Firestore, user: User) =>
  db.doc(`orgs/${user.orgId}/users/${user.userId}/${SYNC_SCHEDULE_COLLECTION}/contacts`);

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
    tx.set(ref, { orgId: user.orgId, userId: user.userId, requestedAt: now });
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
