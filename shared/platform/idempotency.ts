// An idempotency claim keyed by an event id: the first caller to claim an id does the work; a
// redelivered or duplicated event finds the claim and does nothing. Claims expire through a TTL policy.
import type { Firestore } from "@google-cloud/firestore";
import { expireAfter, isAlreadyExists } from "./firestore";

export const IDEMPOTENCY_COLLECTION = "idempotency";
const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000; // longer than Pub/Sub's 7-day maximum retention

/**
 * Runs `work` once per key. The claim is written in the same transaction as the work's writes, so a
 * crash leaves neither (and the retry does the work), and a duplicate finds the claim and skips.
 */
export async function runOnce<T>(
  db: Firestore,
  key: string,
  work: (tx: FirebaseFirestore.Transaction) => Promise<T>,
  ttlMs = DEFAULT_TTL_MS,
): Promise<{ done: true; result: T } | { done: false }> {
  const ref = db.collection(IDEMPOTENCY_COLLECTION).doc(encodeKey(key));
  return db.runTransaction(async (tx) => {
    const claim = await tx.get(ref);
    if (claim.exists) return { done: false } as const;
    const result = await work(tx);
    tx.create(ref, { key, claimedAt: new Date(), expireAt: expireAfter(ttlMs) });
    return { done: true, result } as const;
  });
}

/** A claim without a transaction, for work that is itself idempotent but expensive to repeat. */
export async function claim(db: Firestore, key: string, ttlMs = DEFAULT_TTL_MS): Promise<boolean> {
  try {
    await db
      .collection(IDEMPOTENCY_COLLECTION)
      .doc(encodeKey(key))
      .create({ key, claimedAt: new Date(), expireAt: expireAfter(ttlMs) });
    return true;
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
}

// Document ids may not contain "/" and are limited in size; keys are event ids and scoped names.
const encodeKey = (key: string) => encodeURIComponent(key).slice(0, 1400);
