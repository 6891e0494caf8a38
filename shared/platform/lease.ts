// A transactional lease (owner, expiry) in Firestore: at most one instance holds a named lease at a
// time, across instances; an expired lease can be taken over, so a crashed holder never blocks forever.
// withLease renews it while its work runs: short leases free a killed holder's work quickly, and a long
// run never outlives its lease.
import type { DocumentSnapshot, Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { expireAfter, StoredDate } from "./firestore";

export const LEASE_COLLECTION = "leases";

/**
 * The lease of a long worker run (one user's contact or calendar sync, one org's directory step): short
 * and renewed while the run lives (withLease), rather than as long as the function's timeout plus a
 * margin. A renewed lease never lapses under a live run however long it takes (up to the timeout in
 * functions/manifest.json), and a run killed mid-way (out of memory, a crashed instance) blocks the next
 * delivery for at most a minute instead of the whole timeout, within Pub/Sub's redelivery budget.
 */
export const WORKER_LEASE_MS = 60_000;

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

/** Extends a lease we still own by `ttlMs` from now; false when it was lost (taken over after lapsing). */
export async function renewLease(
  db: Firestore,
  lease: Lease,
  ttlMs: number,
  now = new Date(),
): Promise<boolean> {
  const ref = db.collection(LEASE_COLLECTION).doc(encodeURIComponent(lease.name));
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.get("owner") !== lease.owner) return false;
    const expiresAt = new Date(now.getTime() + ttlMs);
    tx.update(ref, { expiresAt, expireAt: expireAfter(ttlMs + 24 * 3600 * 1000, now) });
    lease.expiresAt = expiresAt;
    return true;
  });
}

/**
 * Runs `work` under the lease, or returns undefined when another owner holds it. The lease is renewed
 * every third of `ttlMs` while the work runs, so `ttlMs` only bounds how long a killed holder blocks the
 * next one; it need not cover the function's timeout (a long run keeps renewing it).
 */
export async function withLease<T>(
  db: Firestore,
  name: string,
  owner: string,
  ttlMs: number,
  work: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const lease = await acquireLease(db, name, owner, ttlMs);
  if (!lease) return { ran: false };
  const heartbeat = setInterval(
    () => {
      renewLease(db, lease, ttlMs).catch(() => undefined); // the next beat tries again
    },
    Math.max(100, Math.floor(ttlMs / 3)),
  );
  heartbeat.unref?.();
  try {
    return { ran: true, result: await work() };
  } finally {
    clearInterval(heartbeat);
    await releaseLease(db, lease);
  }
}
