// Firestore storage of contacts and sync cursors.
//   orgs/{org}/users/{user}/contacts/{id}            the contact, its Google link and its indexes
//   orgs/{org}/users/{user}/cursors/contacts          personal contacts: sync token, page token, status
//   orgs/{org}/users/{user}/cursors/contacts-directory company contacts (listDirectoryPeople)
//   …/cursors/{name}/fullSyncPages/{n}               resource names seen by an unfinished full sync
//   orgs/{org}/users/{user}/phoneIndex/{e164}        caller-ID: { entries: { contactId: kind } }
// Caller-ID reads one index document and the few contacts it names, whatever the contact count. The
// index is a superset of the truth: entries are added before (or with) the contact that carries the
// number and removed with it or after; a lookup checks each named contact still has the number and
// prunes the ones that do not. Search is an array-contains query on `searchTerms`.
import {
  type DocumentReference,
  FieldPath,
  FieldValue,
  type Firestore,
  type Timestamp,
  type Transaction,
} from "@google-cloud/firestore";
import { z } from "zod";
import { converter, parseDocument } from "../platform/firestore";
import {
  type ContactFields,
  type ContactKind,
  contactFieldsHash,
  emailKeysOf,
  FieldsSchema,
  phoneKeysOf,
  searchTermsOf,
} from "./contact-model";

const date = z
  .union([z.date(), z.custom<Timestamp>((v) => typeof (v as Timestamp)?.toDate === "function")])
  .transform((v) => (v instanceof Date ? v : v.toDate()));

export const GoogleLinkSchema = z.object({
  resourceName: z.string(),
  etag: z.string(),
  /** Google's source updateTime (epoch ms) of the version in `base`. */
  updatedAt: z.number(),
  /** The fields both sides last agreed on: the base of the three-way merge. */
  base: FieldsSchema,
  baseHash: z.string(),
});
export type GoogleLink = z.infer<typeof GoogleLinkSchema>;

export const StoredContactSchema = z.object({
  id: z.string(),
  kind: z.enum(["personal", "company"]),
  fields: FieldsSchema,
  /** A tombstone: kept so a stale copy from either side never brings the contact back. */
  deleted: z.boolean(),
  deletedAt: date.nullable(),
  /** Bumped on every change of the fields; the API's etag. */
  version: z.number().int(),
  /** When the fields last changed on our side (an API edit), epoch ms: our half of the conflict rule. */
  editedAt: z.number(),
  updatedAt: date,
  google: GoogleLinkSchema.nullable(),
  /** Our side has changes (or a delete) Google has not seen yet. */
  pendingPush: z.boolean(),
  displayName: z.string(),
  /** Lower-cased display name + id: a stable order for cursor pagination. */
  sortKey: z.string(),
  phoneKeys: z.array(z.string()),
  emailKeys: z.array(z.string()),
  searchTerms: z.array(z.string()),
  /** Numbers that did not parse, kept as typed: shown as a warning in the apps. */
  unparsedPhones: z.array(z.string()),
});
export type StoredContact = z.infer<typeof StoredContactSchema>;

/** Fills the derived fields (indexes, display name) from `fields` and the tombstone flag. */
export function withIndexes(
  c: Omit<
    StoredContact,
    "displayName" | "sortKey" | "phoneKeys" | "emailKeys" | "searchTerms" | "unparsedPhones"
  >,
): StoredContact {
  const displayName =
    [c.fields.givenName, c.fields.familyName].filter(Boolean).join(" ") ||
    c.fields.emails[0]?.value ||
    c.fields.phones[0]?.value ||
    "";
  const live = !c.deleted;
  return {
    ...c,
    displayName,
    sortKey: `${displayName.toLowerCase()}\u0000${c.id}`,
    // A tombstone is invisible to caller-ID, search and dedupe.
    phoneKeys: live ? phoneKeysOf(c.fields) : [],
    emailKeys: live ? emailKeysOf(c.fields) : [],
    searchTerms: live ? searchTermsOf(c.fields) : [],
    unparsedPhones: c.fields.phones.filter((p) => p.e164 === null).map((p) => p.value),
  };
}

/** The E.164 numbers caller-ID finds a contact by (none for a tombstone). */
const indexedNumbers = (c: StoredContact | undefined): string[] =>
  c && !c.deleted ? c.phoneKeys.filter((k) => k.startsWith("+")) : [];

export const localHash = (c: Pick<StoredContact, "fields">): string => contactFieldsHash(c.fields);

export const CursorSchema = z.object({
  integration: z.literal("contacts"),
  syncToken: z.string().nullable(),
  /** The next page of the listing in progress (incremental or full): a retry resumes here. */
  pageToken: z.string().nullable(),
  /** Set while a full sync runs: its id tags the pages of resource names it has seen. */
  fullSyncId: z.string().nullable(),
  fullSyncPages: z.number().int(),
  lastSyncAt: date.nullable(),
  lastFullSyncAt: date.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: date.nullable(),
});
export type Cursor = z.infer<typeof CursorSchema>;
export type CursorName = "contacts" | "contacts-directory";

/** cursors/{name}/fullSyncPages/{n}: the resource names one page of a full sync listed. */
const SeenPage = z.object({ runId: z.string(), resourceNames: z.array(z.string()) });

export const emptyCursor = (): Cursor => ({
  integration: "contacts",
  syncToken: null,
  pageToken: null,
  fullSyncId: null,
  fullSyncPages: 0,
  lastSyncAt: null,
  lastFullSyncAt: null,
  lastError: null,
  lastErrorAt: null,
});

/** Counts documents read and written (the bench's counting wrapper; free when absent). */
export interface FirestoreMeter {
  read(n: number): void;
  write(n: number): void;
}

export interface Loaded {
  contact: StoredContact;
  /** For optimistic writes: the document's update time when read. */
  updateTime: Timestamp;
}

export interface ListQuery {
  kind?: ContactKind | undefined;
  limit: number;
  after?: string | undefined;
}

export interface ContactRepository {
  get(id: string): Promise<StoredContact | undefined>;
  findByResourceName(resourceName: string, kind: ContactKind): Promise<Loaded | undefined>;
  /** Contacts of every kind in id order after `after`, tombstones included (a resumable scan). */
  pageById(after: string | null, limit: number): Promise<StoredContact[]>;
  /** Every contact of a kind, tombstones included (a full sync diffs against them). */
  loadAll(kind: ContactKind): Promise<Loaded[]>;
  listPending(limit: number): Promise<StoredContact[]>;
  /** Unlinked live personal contacts sharing a number or an email (dedupe on pull). */
  findUnlinkedMatches(fields: ContactFields): Promise<Loaded[]>;
  /** Live personal contacts sharing a number or an email (linking on create through the API). */
  findLiveByKeys(fields: ContactFields): Promise<StoredContact[]>;
  list(query: ListQuery): Promise<StoredContact[]>;
  /** Live contacts of a kind (an aggregation: one read per 1,000 index entries). */
  countLive(kind: ContactKind): Promise<number>;
  search(term: string, limit: number): Promise<StoredContact[]>;
  byPhone(e164: string, limit: number): Promise<StoredContact[]>;
  byEmail(email: string, limit: number): Promise<StoredContact[]>;
  /** Read-modify-write in a transaction; `change` returns undefined to leave the document alone. */
  mutate(
    id: string,
    change: (current: StoredContact | undefined) => StoredContact | undefined,
  ): Promise<StoredContact | undefined>;
  /** Writes many with optimistic preconditions; returns the ids whose precondition failed. */
  writeMany(writes: Array<{ contact: StoredContact; expect: Timestamp | "absent" }>): Promise<string[]>;
  cursor(name: CursorName): Promise<Cursor | undefined>;
  saveCursor(name: CursorName, cursor: Cursor): Promise<void>;
  addSeenPage(name: CursorName, runId: string, page: number, resourceNames: string[]): Promise<void>;
  seenResourceNames(name: CursorName, runId: string): Promise<Set<string>>;
  clearSeenPages(name: CursorName): Promise<void>;
  /** Deletes the cursors and the company contacts (the integration was disconnected). */
  forgetGoogle(): Promise<void>;
}

export function firestoreContactRepository(
  db: Firestore,
  owner: { orgId: string; userId: string },
  meter?: FirestoreMeter,
): ContactRepository {
  const base = `orgs/${owner.orgId}/users/${owner.userId}`;
  const contacts = db.collection(`${base}/contacts`).withConverter(converter(StoredContactSchema));
  const cursors = db.collection(`${base}/cursors`);
  const reads = (n: number) => meter?.read(Math.max(n, 1));
  const writes = (n: number) => meter?.write(n);
  const pages = (name: CursorName) => cursors.doc(name).collection("fullSyncPages");
  const live = (list: StoredContact[]) => list.filter((c) => !c.deleted);
  const toLoaded = (docs: FirebaseFirestore.QueryDocumentSnapshot<StoredContact>[]): Loaded[] =>
    docs.map((d) => ({ contact: d.data(), updateTime: d.updateTime }));
  const phoneIndex = db.collection(`${base}/phoneIndex`);
  const indexEntry = (number: string, id: string, value: string | FieldValue) =>
    [phoneIndex.doc(number), { entries: { [id]: value } }, { merge: true }] as const;

  return {
    async get(id) {
      const snap = await contacts.doc(id).get();
      reads(1);
      return snap.data();
    },
    async findByResourceName(resourceName, kind) {
      const snap = await contacts.where("google.resourceName", "==", resourceName).limit(5).get();
      reads(snap.size);
      return toLoaded(snap.docs).find((l) => l.contact.kind === kind);
    },
    async pageById(after, limit) {
      let query = contacts.orderBy(FieldPath.documentId()).limit(limit);
      if (after) query = query.startAfter(after);
      const snap = await query.get();
      reads(snap.size);
      return snap.docs.map((d) => d.data());
    },
    async loadAll(kind) {
      const snap = await contacts.where("kind", "==", kind).get();
      reads(snap.size);
      return toLoaded(snap.docs);
    },
    async listPending(limit) {
      const snap = await contacts.where("pendingPush", "==", true).limit(limit).get();
      reads(snap.size);
      return snap.docs.map((d) => d.data());
    },
    async findUnlinkedMatches(fields) {
      const found = new Map<string, Loaded>();
      // array-contains-any takes up to 30 values; a contact has at most 20 numbers and 20 emails.
      for (const [field, keys] of [
        ["phoneKeys", phoneKeysOf(fields)],
        ["emailKeys", emailKeysOf(fields)],
      ] as const) {
        if (keys.length === 0) continue;
        const snap = await contacts.where(field, "array-contains-any", keys.slice(0, 30)).limit(10).get();
        reads(snap.size);
        for (const l of toLoaded(snap.docs))
          if (l.contact.kind === "personal" && !l.contact.google && !l.contact.deleted)
            found.set(l.contact.id, l);
      }
      return [...found.values()];
    },
    async findLiveByKeys(fields) {
      const found = new Map<string, StoredContact>();
      for (const [field, keys] of [
        ["phoneKeys", phoneKeysOf(fields)],
        ["emailKeys", emailKeysOf(fields)],
      ] as const) {
        if (keys.length === 0) continue;
        const snap = await contacts.where(field, "array-contains-any", keys.slice(0, 30)).limit(10).get();
        reads(snap.size);
        for (const d of snap.docs) {
          const c = d.data();
          if (c.kind === "personal" && !c.deleted) found.set(c.id, c);
        }
      }
      return [...found.values()];
    },
    async list({ kind, limit, after }) {
      let query = contacts.where("deleted", "==", false);
      if (kind) query = query.where("kind", "==", kind);
      query = query.orderBy("sortKey").limit(limit);
      if (after) query = query.startAfter(after);
      const snap = await query.get();
      reads(snap.size);
      return snap.docs.map((d) => d.data());
    },
    async countLive(kind) {
      const snap = await contacts.where("deleted", "==", false).where("kind", "==", kind).count().get();
      reads(1);
      return snap.data().count;
    },
    async search(term, limit) {
      const snap = await contacts.where("searchTerms", "array-contains", term).limit(limit).get();
      reads(snap.size);
      return live(snap.docs.map((d) => d.data()));
    },
    async byPhone(e164, limit) {
      const index = await phoneIndex.doc(e164).get();
      reads(1);
      const ids = Object.keys((index.get("entries") as Record<string, string> | undefined) ?? {}).slice(
        0,
        50,
      );
      if (ids.length === 0) return [];
      const docs = await db.getAll(...ids.map((id) => contacts.doc(id)));
      reads(docs.length);
      const found = docs
        .map((d) => d.data())
        .filter((c): c is StoredContact => !!c && !c.deleted && c.phoneKeys.includes(e164));
      const stale = ids.filter((id) => !found.some((c) => c.id === id));
      if (stale.length > 0) {
        // Left by a contact that lost the number outside a transaction (a sync's batch, a disconnect).
        await phoneIndex
          .doc(e164)
          .set(
            { entries: Object.fromEntries(stale.map((id) => [id, FieldValue.delete()])) },
            { merge: true },
          );
        writes(1);
      }
      return found.slice(0, limit);
    },
    async byEmail(email, limit) {
      const snap = await contacts.where("emailKeys", "array-contains", email).limit(limit).get();
      reads(snap.size);
      return live(snap.docs.map((d) => d.data()));
    },
    async mutate(id, change) {
      const ref = contacts.doc(id);
      return db.runTransaction(async (tx: Transaction) => {
        const snap = await tx.get(ref);
        reads(1);
        const before = snap.data();
        const next = change(before);
        if (next === undefined) return before;
        tx.set(ref, next);
        // The caller-ID index changes in the same transaction as the contact.
        const had = new Set(indexedNumbers(before));
        const has = new Set(indexedNumbers(next));
        for (const n of has) if (!had.has(n)) tx.set(...indexEntry(n, id, next.kind));
        for (const n of had) if (!has.has(n)) tx.set(...indexEntry(n, id, FieldValue.delete()));
        writes(1 + [...has].filter((n) => !had.has(n)).length + [...had].filter((n) => !has.has(n)).length);
        return next;
      });
    },
    async writeMany(list) {
      if (list.length === 0) return [];
      // Index entries first: whatever happens to the contact writes, the index stays a superset.
      const indexer = db.bulkWriter();
      let entries = 0;
      for (const { contact } of list)
        for (const n of indexedNumbers(contact)) {
          void indexer.set(...indexEntry(n, contact.id, contact.kind));
          entries++;
        }
      await indexer.close();
      writes(entries);
      const failed: string[] = [];
      const writer = db.bulkWriter();
      writer.onWriteError((error) => {
        // FAILED_PRECONDITION / ALREADY_EXISTS: someone wrote in between; the caller re-applies.
        if (error.code === 9 || error.code === 6) return false;
        return error.failedAttempts < 5;
      });
      for (const { contact, expect } of list) {
        const ref = contacts.doc(contact.id) as DocumentReference<StoredContact>;
        const done =
          expect === "absent"
            ? writer.create(ref, contact)
            : writer.update(ref, StoredContactSchema.parse(contact) as never, { lastUpdateTime: expect });
        done.catch(() => failed.push(contact.id));
      }
      await writer.close();
      writes(list.length - failed.length);
      return failed;
    },
    async cursor(name) {
      const snap = await cursors.doc(name).get();
      reads(1);
      // A malformed cursor heals like an expired sync token: none, so the next sync is a full one.
      const parsed = CursorSchema.safeParse(snap.data());
      return parsed.success ? parsed.data : undefined;
    },
    async saveCursor(name, cursor) {
      await cursors.doc(name).set(CursorSchema.parse(cursor));
      writes(1);
    },
    async addSeenPage(name, runId, page, resourceNames) {
      await pages(name).doc(String(page).padStart(5, "0")).set({ runId, resourceNames });
      writes(1);
    },
    async seenResourceNames(name, runId) {
      const snap = await pages(name).where("runId", "==", runId).get();
      reads(snap.size);
      // A malformed page fails the full sync: skipping it would delete the contacts it lists.
      return new Set(snap.docs.flatMap((d) => parseDocument(SeenPage, d)?.resourceNames ?? []));
    },
    async clearSeenPages(name) {
      const snap = await pages(name).select().get();
      reads(snap.size);
      await Promise.all(snap.docs.map((d) => d.ref.delete()));
      writes(snap.size);
    },
    async forgetGoogle() {
      for (const name of ["contacts", "contacts-directory"] as const) {
        const snap = await pages(name).select().get();
        await Promise.all(snap.docs.map((d) => d.ref.delete()));
        await cursors.doc(name).delete();
      }
      const company = await contacts.where("kind", "==", "company").select().get();
      const writer = db.bulkWriter();
      // Company contacts are a cache of the directory. Personal contacts stay with their Google links:
      // they are the user's phone-system contacts too, and on reconnect the full sync diffs against
      // those links, so nothing is duplicated and deletions made meanwhile still apply.
      for (const doc of company.docs) void writer.delete(doc.ref);
      await writer.close();
    },
  };
}
