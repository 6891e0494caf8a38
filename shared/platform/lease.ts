// A transactional lease (owner, expiry) in Firestore: at most one instance holds a named lease at a
// time, across instances; an expired lease can be taken over, so a crashed holder never blocks forever.
import type { DocumentSnapshot, Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { expireAfter, StoredDate } from "./firestore";

export const LEASE_COLLECTION = "leases";

export interface Lease {
  name: string;
  owner: string;
  expiresAt: Date;
}

const LeaseDoc = z.object({ owner: z.string(), expiresAt: StoredDate });

/**
 * The lease a snapshot holds; undefined when there is none or it is malformed (a malformed lease
 * guarantees nothing, so it is taken over like an expired one rather than blocking its work forever).
 */
export function heldLease(snapshot: DocumentSnapshot): { owner: string; expiresAt: Date } | undefined {
  const parsed = LeaseDoc.safeParse(snapshot.data());
  return parsed.success ? parsed.data : undefined;
}

export async function acquireLease(
  db: Firestore,
  name: string,
  owner: string,
  ttlMs: number,
  now = new Date(),
): Promise<Lease | undefined> {
  const ref = db.collection(LEASE_COLLECTION).doc(encodeURIComponent(name));
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const current = heldLease(snap);
    if (current && current.owner !== owner && current.expiresAt.getTime() > now.getTime()) return undefined;
    const lease = { name, owner, expiresAt: new Date(now.getTime() + ttlMs) };
    // expireAt lets the TTL policy clean up leases nobody released; a generous margin past expiry.
    tx.set(ref, { ...lease, expireAt: expireAfter(ttlMs + 24 * 3600 * 1000, now) });
    return lease;
  });
}

/** Releases only a lease we still own: a holder that overran its lease must not free a successor's. */
export async function releaseLease(db: Firestore, lease: Lease): Promise<boolean> {
  const ref = db.collection(LEASE_COLLECTION).doc(encodeURIComponent(lease.name));
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("owner") !== lease.owner) return false;
    tx.delete(ref);
    return true;
  });
}

/** Runs `work` under the lease, or returns undefined when another owner holds it. */
export async function withLease<T>(
  db: Firestore,
  name: string,
  owner: string,
  ttlMs: number,
  work: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const lease = await acquireLease(db, name, owner, ttlMs);
  if (!lease) return { ran: false };
  try {
    return { ran: true, result: await work() };
  } finally {
    await releaseLease(db, lease);
  }
}
