// An idempotency claim keyed by an event id: the first caller to claim an id does the work; a
// redelivered or duplicated event finds the claim and does nothing. Claims expire through a TTL policy.
import {
  type DocumentReference,
  type DocumentSnapshot,
  FieldValue,
  type Firestore,
} from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "./errors";
import { expireAfter, isAlreadyExists, parseDocument, StoredDate } from "./firestore";

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

/** Whether a key was claimed (or its slot done): for work that is claimed only after it succeeded. */
export async function isClaimed(db: Firestore, key: string): Promise<boolean> {
  const snap = await db.collection(IDEMPOTENCY_COLLECTION).doc(encodeKey(key)).get();
  return snap.exists && snap.get("status") !== "processing";
}

// Document ids may not contain "/" and are limited in size; keys are event ids and scoped names.
const encodeKey = (key: string) => encodeURIComponent(key).slice(0, 1400);

/** What a slot's work sees: where a crashed earlier run stopped, and a way to record how far it got. */
export interface SlotRun<P> {
  /** The progress the last run saved (a crashed or failed run's), undefined on a first run. */
  resumeFrom: P | undefined;
  /** Saves progress: a later run of this slot starts from it. Fails if another run took the slot over. */
  checkpoint(progress: P): Promise<void>;
  /** How many runs of this slot started, this one included. */
  attempt: number;
}

export interface SlotOptions {
  /**
   * How long a run's claim lasts without a heartbeat. The claim is renewed every third of it while the
   * work runs, so a live run never loses it and a killed one frees the slot within this long.
   */
  leaseMs: number;
  owner: string;
  now?: () => Date;
  ttlMs?: number;
}

const SlotRecord = z.object({
  status: z.enum(["processing", "done"]),
  owner: z.string().optional(),
  expiresAt: StoredDate.optional(),
  attempts: z.number().int().optional(),
  progress: z.unknown().optional(),
});

/**
 * Runs a schedule slot's work to completion exactly once per key, surviving crashes: the slot is first
 * recorded "processing" (owner, expiry, renewed while the work runs), and "done" only after the work
 * succeeds. A redelivery finds "done" and skips; finds a live run and is refused (retryable, so Pub/Sub
 * redelivers it later); or finds a crashed or failed run (expired, or released on failure) and takes
 * over from its last checkpoint. Claiming first and working after would make a crash half-way lose the
 * rest of the slot's work, since every redelivery would look like a duplicate.
 *
 * Every write is conditional on the record's last update time (optimistic, no transaction): a run
 * killed mid-write then leaves no lock behind for its successor to wait out.
 */
export async function runSlotOnce<T, P = unknown>(
  db: Firestore,
  key: string,
  options: SlotOptions,
  work: (run: SlotRun<P>) => Promise<T>,
): Promise<{ done: true; result: T; attempt: number } | { done: false }> {
  const now = options.now ?? (() => new Date());
  const ref = db.collection(IDEMPOTENCY_COLLECTION).doc(encodeKey(key));
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const started = await conditionally(ref, async (snap, write) => {
    const record = parseDocument(SlotRecord, snap);
    if (record?.status === "done") return undefined;
    const at = now();
    if (
      record?.owner &&
      record.owner !== options.owner &&
      (record.expiresAt?.getTime() ?? 0) > at.getTime()
    ) {
      throw new AppError("conflict", `Slot ${key} is being processed by another run`, { retryable: true });
    }
    const attempt = (record?.attempts ?? 0) + 1;
    await write({
      key,
      status: "processing",
      owner: options.owner,
      expiresAt: new Date(at.getTime() + options.leaseMs),
      attempts: attempt,
      progress: record?.progress ?? null,
      claimedAt: at,
      expireAt: expireAfter(ttlMs, at),
    });
    return { attempt, progress: (record?.progress ?? undefined) as P | undefined };
  });
  if (!started) return { done: false };

  const owned = (snap: DocumentSnapshot) => {
    const record = parseDocument(SlotRecord, snap);
    return record?.status === "processing" && record.owner === options.owner;
  };
  // Extends the claim (and saves progress) only while this run still owns it.
  const renew = (progress?: P) =>
    conditionally(ref, async (snap, write) => {
      if (!owned(snap)) {
        throw new AppError("conflict", `Slot ${key} was taken over by another run`, { retryable: true });
      }
      await write({
        expiresAt: new Date(now().getTime() + options.leaseMs),
        ...(progress === undefined ? {} : { progress }),
      });
    });
  let lost: unknown;
  const heartbeat = setInterval(
    () => {
      renew().catch((error) => {
        lost ??= error;
      });
    },
    Math.max(100, Math.floor(options.leaseMs / 3)),
  );
  heartbeat.unref?.();
  try {
    const result = await work({
      resumeFrom: started.progress,
      attempt: started.attempt,
      checkpoint: async (progress) => {
        if (lost) throw lost;
        await renew(progress);
      },
    });
    clearInterval(heartbeat);
    // Done even if another run took over meanwhile: the work is complete, and that run then skips.
    await ref.update({
      status: "done",
      owner: FieldValue.delete(),
      expiresAt: FieldValue.delete(),
      doneAt: now(),
    });
    return { done: true, result, attempt: started.attempt };
  } catch (error) {
    clearInterval(heartbeat);
    // Released at once (progress kept): the redelivery need not wait for the claim to lapse.
    await conditionally(ref, async (snap, write) => {
      if (owned(snap))
        await write({
          expiresAt: now(),
          lastError: String((error as Error)?.message ?? error).slice(0, 300),
        });
    }).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads a document and lets `decide` write it on the condition that nobody wrote it since (create when it
 * did not exist, update otherwise); a lost race reads again and decides again.
 */
async function conditionally<T>(
  ref: DocumentReference,
  decide: (snap: DocumentSnapshot, write: (data: Record<string, unknown>) => Promise<void>) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const snap = await ref.get();
    try {
      return await decide(snap, async (data) => {
        if (snap.exists && snap.updateTime) await ref.update(data, { lastUpdateTime: snap.updateTime });
        else await ref.create(data);
      });
    } catch (error) {
      const code = (error as { code?: number } | null)?.code;
      // FAILED_PRECONDITION (9) or ALREADY_EXISTS (6): someone wrote first; decide again on what they wrote.
      if ((code === 9 || code === 6) && attempt < 5) continue;
      throw error;
    }
  }
}
