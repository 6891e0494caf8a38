// The synced Workspace directory: orgs/{org}/directory/{workspaceUserId} (users), plus
// orgs/{org}/directoryOrgUnits and orgs/{org}/directoryGroups (with member ids). A document is written
// only when its content hash changes (volatile fields such as etag and lastLoginTime never reach it), so
// a reconcile over an unchanged directory writes nothing here. Every read and write is counted.
// Each users page of a full sync leaves a digest (orgs/{org}/directoryPageDigests/{n}: the page's ids
// and a hash over its users), so the next reconcile skips reading the 500 stored users of a page that
// Google lists exactly as before. A change outside the paging (a push) drops the digests holding that
// user, and a digest older than a day is verified again, so a snapshot that drifted still heals.
// Reads validate: a malformed stored user, digest or org unit/group hash is treated as absent (rewritten
// from Google: the snapshot heals); a malformed document read for a decision (all users, the structure,
// the version) fails with malformed_document rather than be guessed around.
import { createHash } from "node:crypto";
import { type DocumentSnapshot, FieldValue, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import type { WorkspaceGroup, WorkspaceOrgUnit, WorkspaceUser } from "../google/directory-api";
import { parseDocument } from "../platform/firestore";

export interface SnapshotUser extends WorkspaceUser {
  deleted: boolean;
  hash: string;
  /** When the content last changed (ISO). */
  changedAt: string;
}

export interface SnapshotGroup extends WorkspaceGroup {
  memberIds: string[];
  hash: string;
}

export interface SnapshotOrgUnit extends WorkspaceOrgUnit {
  hash: string;
}

export const SnapshotUserSchema: z.ZodType<SnapshotUser> = z.object({
  id: z.string(),
  primaryEmail: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  fullName: z.string(),
  orgUnitPath: z.string(),
  suspended: z.boolean(),
  archived: z.boolean(),
  isAdmin: z.boolean(),
  phone: z.string().nullable(),
  deleted: z.boolean(),
  hash: z.string(),
  changedAt: z.string(),
});
export const SnapshotGroupSchema: z.ZodType<SnapshotGroup> = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  memberIds: z.array(z.string()),
  hash: z.string(),
});
export const SnapshotOrgUnitSchema: z.ZodType<SnapshotOrgUnit> = z.object({
  id: z.string(),
  path: z.string(),
  name: z.string(),
  hash: z.string(),
});
const StoredHash = z.object({ hash: z.string() });
const DirectoryVersion = z.object({ version: z.number().int() });

export interface DirectoryStructure {
  orgUnits: SnapshotOrgUnit[];
  groups: SnapshotGroup[];
}

/** Firestore operation counts, for the bench and for the "unchanged reconcile writes nothing" target. */
export interface OpCounter {
  reads: number;
  writes: number;
}
export const newOpCounter = (): OpCounter => ({ reads: 0, writes: 0 });

export const jsonHash = (value: unknown): string =>
  createHash("sha256").update(JSON.stringify(value)).digest("base64url");

export const userHash = (u: WorkspaceUser, deleted: boolean): string =>
  jsonHash([
    u.id,
    u.primaryEmail,
    u.givenName,
    u.familyName,
    u.fullName,
    u.orgUnitPath,
    u.suspended,
    u.archived,
    u.isAdmin,
    u.phone,
    deleted,
  ]);

export interface DirectorySnapshot {
  /** The stored users among `ids` (batched reads). */
  readUsers(orgId: string, ids: string[]): Promise<Map<string, SnapshotUser>>;
  /** Writes the users whose content changed; returns those (as stored). */
  saveChangedUsers(
    orgId: string,
    users: Array<{ user: WorkspaceUser; deleted: boolean }>,
    stored: Map<string, SnapshotUser>,
    now: Date,
  ): Promise<SnapshotUser[]>;
  allUsers(orgId: string): Promise<SnapshotUser[]>;
  /** Ids of users stored as not deleted. */
  liveUserIds(orgId: string): Promise<string[]>;
  countLiveUsers(orgId: string): Promise<number>;
  readStructure(orgId: string): Promise<DirectoryStructure>;
  /** Replaces org units and groups, writing only what changed; returns how many documents changed. */
  saveStructure(
    orgId: string,
    orgUnits: WorkspaceOrgUnit[],
    groups: Array<WorkspaceGroup & { memberIds: string[] }>,
  ): Promise<number>;
  /**
   * One users page as Google listed it (page n of a full sync): when its digest matches the stored one
   * (and is less than a day old) nothing is read or written; otherwise the changed users are written,
   * then the digest. `verify` compares user by user whatever the digest says. Returns the changed users.
   */
  syncPage(
    orgId: string,
    n: number,
    users: WorkspaceUser[],
    now: Date,
    options?: { verify?: boolean },
  ): Promise<SnapshotUser[]>;
  /** Drops the digests of pages past the last one (the directory got shorter). */
  trimPages(orgId: string, lastPage: number): Promise<void>;
  /** The directory's version: bumped by every change, so an approved preview can tell it is stale. */
  version(orgId: string): Promise<number>;
  readonly ops: OpCounter;
}

const MAX_BATCH = 500;
/** A page digest older than this is verified against the stored users again. */
export const PAGE_DIGEST_MAX_AGE_MS = 24 * 3600_000;
/** Firestore's limit for array-contains-any. */
const CONTAINS_ANY_MAX = 30;

interface PageDigest {
  n: number;
  digest: string;
  ids: string[];
  /** ISO instant the page was last compared user by user. */
  at: string;
}
const PageDigestSchema: z.ZodType<PageDigest> = z.object({
  n: z.number(),
  digest: z.string(),
  ids: z.array(z.string()),
  at: z.string(),
});

/** The document's value when it passes `schema`; undefined when absent or malformed (then rewritten). */
const healable = <T>(schema: z.ZodType<T>, snapshot: DocumentSnapshot): T | undefined => {
  const parsed = schema.safeParse(snapshot.data());
  return parsed.success ? parsed.data : undefined;
};

const pageDigestOf = (users: WorkspaceUser[]): string => jsonHash(users.map((u) => userHash(u, false)));

export function firestoreDirectorySnapshot(
  db: Firestore,
  ops: OpCounter = newOpCounter(),
): DirectorySnapshot {
  const users = (orgId: string) => db.collection(`orgs/${orgId}/directory`);
  const groupsOf = (orgId: string) => db.collection(`orgs/${orgId}/directoryGroups`);
  const unitsOf = (orgId: string) => db.collection(`orgs/${orgId}/directoryOrgUnits`);
  const versionDoc = (orgId: string) => db.doc(`orgs/${orgId}/directorySync/version`);
  const digestsOf = (orgId: string) => db.collection(`orgs/${orgId}/directoryPageDigests`);

  /** Writes in batches of ≤500, each bumping the version once. */
  async function commit(
    orgId: string,
    writes: Array<(b: FirebaseFirestore.WriteBatch) => void>,
  ): Promise<void> {
    for (let i = 0; i < writes.length; i += MAX_BATCH - 1) {
      const chunk = writes.slice(i, i + MAX_BATCH - 1);
      const batch = db.batch();
      for (const w of chunk) w(batch);
      batch.set(
        versionDoc(orgId),
        { version: FieldValue.increment(1), changedAt: new Date() },
        { merge: true },
      );
      await batch.commit();
      ops.writes += chunk.length + 1;
    }
  }

  async function writeChanged(
    orgId: string,
    incoming: Array<{ user: WorkspaceUser; deleted: boolean }>,
    stored: Map<string, SnapshotUser>,
    now: Date,
  ): Promise<SnapshotUser[]> {
    const changed: SnapshotUser[] = [];
    for (const { user, deleted } of incoming) {
      const hash = userHash(user, deleted);
      if (stored.get(user.id)?.hash === hash) continue;
      changed.push({ ...user, deleted, hash, changedAt: now.toISOString() });
    }
    await commit(
      orgId,
      changed.map((u) => (b) => b.set(users(orgId).doc(u.id), u)),
    );
    return changed;
  }

  /** Users changed outside the paging: the digests of their pages no longer vouch for the snapshot. */
  async function forgetPagesOf(orgId: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CONTAINS_ANY_MAX) {
      const holding = await digestsOf(orgId)
        .where("ids", "array-contains-any", ids.slice(i, i + CONTAINS_ANY_MAX))
        .select()
        .get();
      ops.reads += Math.max(1, holding.size);
      await Promise.all(holding.docs.map((d) => d.ref.delete()));
      ops.writes += holding.size;
    }
  }

  return {
    ops,
    async readUsers(orgId, ids) {
      const found = new Map<string, SnapshotUser>();
      for (let i = 0; i < ids.length; i += MAX_BATCH) {
        const refs = ids.slice(i, i + MAX_BATCH).map((id) => users(orgId).doc(id));
        if (refs.length === 0) continue;
        const snaps = await db.getAll(...refs);
        ops.reads += snaps.length;
        for (const s of snaps) {
          const user = healable(SnapshotUserSchema, s);
          if (user) found.set(s.id, user);
        }
      }
      return found;
    },
    async saveChangedUsers(orgId, incoming, stored, now) {
      const changed = await writeChanged(orgId, incoming, stored, now);
      await forgetPagesOf(
        orgId,
        changed.map((u) => u.id),
      );
      return changed;
    },
    async syncPage(orgId, n, listed, now, options = {}) {
      const ref = digestsOf(orgId).doc(String(n).padStart(6, "0"));
      const digest = pageDigestOf(listed);
      const previous = healable(PageDigestSchema, await ref.get());
      ops.reads += 1;
      const fresh = previous && now.getTime() - Date.parse(previous.at) < PAGE_DIGEST_MAX_AGE_MS;
      if (!options.verify && fresh && previous.digest === digest) return [];
      const ids = listed.map((u) => u.id);
      const stored = await this.readUsers(orgId, ids);
      const changed = await writeChanged(
        orgId,
        listed.map((user) => ({ user, deleted: false })),
        stored,
        now,
      );
      // After the users: a crash in between leaves the old digest, which no longer matches.
      await ref.set({ n, digest, ids, at: now.toISOString() } satisfies PageDigest);
      ops.writes += 1;
      return changed;
    },
    async trimPages(orgId, lastPage) {
      const past = await digestsOf(orgId).where("n", ">", lastPage).select().get();
      ops.reads += Math.max(1, past.size);
      await Promise.all(past.docs.map((d) => d.ref.delete()));
      ops.writes += past.size;
    },
    async allUsers(orgId) {
      const snap = await users(orgId).get();
      ops.reads += Math.max(1, snap.size);
      return snap.docs.flatMap((d) => parseDocument(SnapshotUserSchema, d) ?? []);
    },
    async liveUserIds(orgId) {
      const snap = await users(orgId).where("deleted", "==", false).select().get();
      ops.reads += Math.max(1, snap.size);
      return snap.docs.map((d) => d.id);
    },
    async countLiveUsers(orgId) {
      const snap = await users(orgId).where("deleted", "==", false).count().get();
      // An aggregation costs one read per 1,000 index entries.
      ops.reads += Math.max(1, Math.ceil(snap.data().count / 1000));
      return snap.data().count;
    },
    async readStructure(orgId) {
      const [units, groups] = await Promise.all([unitsOf(orgId).get(), groupsOf(orgId).get()]);
      ops.reads += Math.max(1, units.size) + Math.max(1, groups.size);
      return {
        orgUnits: units.docs.flatMap((d) => parseDocument(SnapshotOrgUnitSchema, d) ?? []),
        groups: groups.docs.flatMap((d) => parseDocument(SnapshotGroupSchema, d) ?? []),
      };
    },
    async saveStructure(orgId, orgUnits, groups) {
      const [units, stored] = await Promise.all([unitsOf(orgId).get(), groupsOf(orgId).get()]);
      ops.reads += Math.max(1, units.size) + Math.max(1, stored.size);
      // Keyed by document id, so a malformed document is rewritten (or deleted) like a changed one.
      const hashesOf = (docs: DocumentSnapshot[]) =>
        new Map(docs.map((d) => [decodeURIComponent(d.id), healable(StoredHash, d)?.hash]));
      const writes: Array<(b: FirebaseFirestore.WriteBatch) => void> = [];
      const docId = (id: string) => encodeURIComponent(id);
      const unitHashes = hashesOf(units.docs);
      for (const ou of orgUnits) {
        const hash = jsonHash([ou.id, ou.path, ou.name]);
        if (unitHashes.get(ou.id) !== hash)
          writes.push((b) => b.set(unitsOf(orgId).doc(docId(ou.id)), { ...ou, hash }));
        unitHashes.delete(ou.id);
      }
      for (const gone of unitHashes.keys()) writes.push((b) => b.delete(unitsOf(orgId).doc(docId(gone))));
      const groupHashes = hashesOf(stored.docs);
      for (const g of groups) {
        const memberIds = [...new Set(g.memberIds)].sort();
        const hash = jsonHash([g.id, g.email, g.name, memberIds]);
        if (groupHashes.get(g.id) !== hash)
          writes.push((b) => b.set(groupsOf(orgId).doc(docId(g.id)), { ...g, memberIds, hash }));
        groupHashes.delete(g.id);
      }
      for (const gone of groupHashes.keys()) writes.push((b) => b.delete(groupsOf(orgId).doc(docId(gone))));
      await commit(orgId, writes);
      return writes.length;
    },
    async version(orgId) {
      const snap = await versionDoc(orgId).get();
      ops.reads += 1;
      return parseDocument(DirectoryVersion, snap)?.version ?? 0;
    },
  };
}
