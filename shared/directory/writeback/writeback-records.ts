// One write-back record per phone-system user: orgs/{org}/directoryWriteBack/{user}. It holds what
// Switchboard wants on the Workspace profile (assigned numbers; name and department edits), a version
// bumped by each change, and what the worker last settled: the values both sides agreed on, Google's
// etag after our write, the status the admin sees and recent conflicts. `pending` stays true until the
// worker has settled the newest version, so the scheduled sweep re-queues anything a lost message left.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import type { OpCounter } from "../directory-snapshot";
import type { AgreedProfile, NumberAssignment, PersonName, WriteBackConflict } from "./writeback-merge";

const Phone = z.object({
  value: z.string(),
  type: z.string(),
  customType: z.string().optional(),
  primary: z.boolean().optional(),
});
const Name = z.object({ givenName: z.string(), familyName: z.string() });

export const WriteBackStatus = z.enum([
  "pending",
  "in_sync",
  "conflict",
  "needs_permission",
  "off",
  "skipped",
  "failed",
]);
export type WriteBackStatus = z.infer<typeof WriteBackStatus>;

const Conflict = z.object({
  field: z.enum(["phones", "name", "department"]),
  google: z.unknown(),
  switchboard: z.unknown(),
  at: z.string(),
});

export const WriteBackRecord = z.object({
  userId: z.string(),
  numbers: z.object({ directNumber: z.string().nullable(), extension: z.string().nullable() }),
  /** Profile edits made in Switchboard; a key is absent until edited there. */
  profile: z.object({ name: Name.optional(), department: z.string().nullable().optional() }),
  version: z.number().int().min(0),
  doneVersion: z.number().int().min(0),
  pending: z.boolean(),
  agreed: z.object({
    phones: z.array(Phone).optional(),
    name: Name.optional(),
    department: z.string().nullable().optional(),
  }),
  etag: z.string().nullable(),
  status: WriteBackStatus,
  reason: z.string().nullable(),
  conflicts: z.array(Conflict),
  lastWriteAt: z.string().nullable(),
  writes: z.number().int().min(0),
  updatedAt: z.string(),
});
export type WriteBackRecord = z.infer<typeof WriteBackRecord>;

export interface WriteBackChange {
  numbers?: NumberAssignment;
  name?: PersonName;
  department?: string | null;
  /** The name as last synced from Google, the base a first name edit is compared against. */
  syncedName?: PersonName;
}

export interface Settlement {
  status: WriteBackStatus;
  reason: string | null;
  agreed?: AgreedProfile;
  etag?: string | null;
  conflicts?: WriteBackConflict[];
  wrote?: boolean;
  /** Clears `pending` when the record is still at this version (a final outcome for it). */
  doneVersion?: number;
}

const KEEP_CONFLICTS = 10;

/** Equal content, whatever the order of keys (Firestore does not keep it). */
const sameContent = (a: unknown, b: unknown): boolean => {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([x], [y]) => (x < y ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
};

const strip = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export interface WriteBackRecords {
  get(orgId: string, userId: string): Promise<WriteBackRecord | undefined>;
  /** Records a change made in Switchboard; undefined when it changes nothing (no new version). */
  change(
    orgId: string,
    userId: string,
    change: WriteBackChange,
    now: Date,
  ): Promise<WriteBackRecord | undefined>;
  settle(orgId: string, userId: string, settlement: Settlement, now: Date): Promise<void>;
  pendingUserIds(orgId: string): Promise<string[]>;
}

export function firestoreWriteBackRecords(db: Firestore, ops: OpCounter): WriteBackRecords {
  const doc = (orgId: string, userId: string) => db.doc(`orgs/${orgId}/directoryWriteBack/${userId}`);
  const read = (snap: FirebaseFirestore.DocumentSnapshot) =>
    snap.exists ? WriteBackRecord.parse(snap.data()) : undefined;
  return {
    async get(orgId, userId) {
      ops.reads += 1;
      return read(await doc(orgId, userId).get());
    },
    async change(orgId, userId, change, now) {
      return db.runTransaction(async (tx) => {
        const ref = doc(orgId, userId);
        const current = read(await tx.get(ref));
        ops.reads += 1;
        const base: WriteBackRecord = current ?? {
          userId,
          numbers: { directNumber: null, extension: null },
          profile: {},
          version: 0,
          doneVersion: 0,
          pending: false,
          agreed: {},
          etag: null,
          status: "pending",
          reason: null,
          conflicts: [],
          lastWriteAt: null,
          writes: 0,
          updatedAt: now.toISOString(),
        };
        const profile = strip({
          ...base.profile,
          ...(change.name ? { name: change.name } : {}),
          ...(change.department !== undefined ? { department: change.department } : {}),
        });
        const numbers = change.numbers ?? base.numbers;
        if (current && sameContent(numbers, current.numbers) && sameContent(profile, current.profile))
          return undefined;
        const agreed =
          change.name && !base.agreed.name && change.syncedName
            ? { ...base.agreed, name: change.syncedName }
            : base.agreed;
        const next: WriteBackRecord = {
          ...base,
          numbers,
          profile,
          agreed,
          version: base.version + 1,
          pending: true,
          status: "pending",
          reason: null,
          updatedAt: now.toISOString(),
        };
        tx.set(ref, next);
        ops.writes += 1;
        return next;
      });
    },
    async settle(orgId, userId, s, now) {
      await db.runTransaction(async (tx) => {
        const ref = doc(orgId, userId);
        const current = read(await tx.get(ref));
        ops.reads += 1;
        if (!current) return;
        const at = now.toISOString();
        const done = s.doneVersion !== undefined && s.doneVersion === current.version;
        const next: WriteBackRecord = {
          ...current,
          status: s.status,
          reason: s.reason,
          ...(s.agreed ? { agreed: strip(s.agreed) } : {}),
          ...(s.etag !== undefined ? { etag: s.etag } : {}),
          conflicts: [...(s.conflicts ?? []).map((c) => ({ ...c, at })), ...current.conflicts].slice(
            0,
            KEEP_CONFLICTS,
          ),
          ...(s.wrote ? { lastWriteAt: at, writes: current.writes + 1 } : {}),
          ...(done ? { pending: false, doneVersion: current.version } : {}),
        };
        // A redelivered message that changes nothing writes nothing.
        if (sameContent(next, current)) return;
        tx.set(ref, { ...next, updatedAt: at });
        ops.writes += 1;
      });
    },
    async pendingUserIds(orgId) {
      const snap = await db
        .collection(`orgs/${orgId}/directoryWriteBack`)
        .where("pending", "==", true)
        .select()
        .get();
      ops.reads += Math.max(1, snap.size);
      return snap.docs.map((d) => d.id);
    },
  };
}
