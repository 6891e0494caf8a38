// OAuth grants under orgs/{org}/users/{user}/grants/{grantId}: one per Google account and OAuth client,
// serving one or more integrations. Tokens are stored only sealed (token-cipher.ts). Every change is a
// read-modify-write in a transaction, and `version` counts changes of the token material, so a writer
// that read an older grant (a slow refresher) can tell that someone else rotated it meanwhile.
import { createHash } from "node:crypto";
import {
  type DocumentReference,
  type DocumentSnapshot,
  FieldPath,
  type Firestore,
  Timestamp,
} from "@google-cloud/firestore";
import { z } from "zod";
import { converter } from "../platform/firestore";
import { IntegrationName } from "./integrations";
import { SealedToken } from "./token-cipher";

export const GrantStatus = z.enum(["connected", "needs_reauth", "revoked"]);
export type GrantStatus = z.infer<typeof GrantStatus>;

const Time = z.instanceof(Timestamp);

const StoredGrant = z.object({
  grantId: z.string(),
  orgId: z.string(),
  userId: z.string(),
  clientId: z.string(),
  googleSub: z.string(),
  googleEmail: z.string(),
  integrations: z.array(IntegrationName),
  /** What Google says was granted (token response `scope`), normalised and sorted. */
  scopes: z.array(z.string()),
  refreshToken: SealedToken,
  version: z.number().int().min(1),
  status: GrantStatus,
  lastError: z.string().nullable(),
  lastErrorAt: Time.nullable(),
  accessToken: SealedToken.nullable(),
  accessTokenExpiresAt: Time.nullable(),
  /** Set by integrations whose background work (watch channels, scheduled syncs) needs a live token. */
  keepAlive: z.boolean(),
  createdAt: Time,
  updatedAt: Time,
  /** Last use by a worker or request (throttled); long-idle grants are not kept alive. */
  lastUsedAt: Time,
  lastRefreshedAt: Time.nullable(),
});
type StoredGrant = z.infer<typeof StoredGrant>;

export interface GrantKey {
  orgId: string;
  userId: string;
  grantId: string;
}

type Dates<T> = {
  [K in keyof T]: T[K] extends Timestamp ? Date : T[K] extends Timestamp | null ? Date | null : T[K];
};
export type Grant = Dates<StoredGrant>;

/** One grant per Google account and OAuth client, so a reconnect finds (and extends) the same document. */
export const grantIdFor = (clientId: string, googleSub: string): string =>
  `g-${createHash("sha256").update(`${clientId}|${googleSub}`).digest("hex").slice(0, 24)}`;

export const keyOf = (g: Pick<Grant, "orgId" | "userId" | "grantId">): GrantKey => ({
  orgId: g.orgId,
  userId: g.userId,
  grantId: g.grantId,
});

const TIME_FIELDS = [
  "lastErrorAt",
  "accessTokenExpiresAt",
  "createdAt",
  "updatedAt",
  "lastUsedAt",
  "lastRefreshedAt",
] as const;

function toStored(grant: Grant): StoredGrant {
  const out = { ...grant } as Record<string, unknown>;
  for (const f of TIME_FIELDS) {
    const v = grant[f];
    out[f] = v === null ? null : Timestamp.fromDate(v);
  }
  return out as StoredGrant;
}

function fromStored(stored: StoredGrant): Grant {
  const out = { ...stored } as Record<string, unknown>;
  for (const f of TIME_FIELDS) {
    const v = stored[f];
    out[f] = v === null ? null : v.toDate();
  }
  return out as Grant;
}

/** What a mutation decides: write this grant, delete the document, or leave it alone. */
export type GrantChange = { write: Grant } | { delete: true } | undefined;

export interface KeepAlivePage {
  grants: Grant[];
  /** Pass back as `after` for the next page; absent on the last page. */
  cursor?: string;
}

export interface GrantRepository {
  get(key: GrantKey): Promise<Grant | undefined>;
  listForUser(orgId: string, userId: string): Promise<Grant[]>;
  /** The grant serving an integration for a user (at most one does). */
  findForIntegration(orgId: string, userId: string, integration: IntegrationName): Promise<Grant | undefined>;
  /**
   * Read-modify-write in one transaction. `decide` may run more than once (transaction retries), so it
   * must be pure; it returns what to write. Resolves to the grant as stored afterwards.
   */
  mutate(key: GrantKey, decide: (current: Grant | undefined) => GrantChange): Promise<Grant | undefined>;
  /** Marks whether background work depends on this grant (the keep-alive worker refreshes only those). */
  setKeepAlive(key: GrantKey, keepAlive: boolean, now?: Date): Promise<boolean>;
  /** Records use (for idleness) at most once per `throttleMs`. */
  touch(grant: Grant, now: Date, throttleMs?: number): Promise<void>;
  /** Connected keep-alive grants whose access token expires by `before`, soonest first, in pages. */
  dueForKeepAlive(before: Date, limit: number, after?: string): Promise<KeepAlivePage>;
}

const GRANTS = "grants";

export function firestoreGrantRepository(db: Firestore): GrantRepository {
  const conv = converter(StoredGrant);
  const collection = (orgId: string, userId: string) =>
    db.collection(`orgs/${orgId}/users/${userId}/${GRANTS}`).withConverter(conv);
  const ref = (k: GrantKey): DocumentReference<StoredGrant> => collection(k.orgId, k.userId).doc(k.grantId);
  const read = (snap: DocumentSnapshot<StoredGrant>) => {
    const data = snap.data();
    return data ? fromStored(data) : undefined;
  };

  const repo: GrantRepository = {
    async get(key) {
      return read(await ref(key).get());
    },
    async listForUser(orgId, userId) {
      return (await collection(orgId, userId).get()).docs.map((d) => fromStored(d.data()));
    },
    async findForIntegration(orgId, userId, integration) {
      const snap = await collection(orgId, userId)
        .where("integrations", "array-contains", integration)
        .limit(1)
        .get();
      const doc = snap.docs[0];
      return doc ? fromStored(doc.data()) : undefined;
    },
    async mutate(key, decide) {
      const docRef = ref(key);
      return db.runTransaction(async (tx) => {
        const current = read(await tx.get(docRef));
        const change = decide(current);
        if (change === undefined) return current;
        if ("delete" in change) {
          tx.delete(docRef);
          return undefined;
        }
        tx.set(docRef, toStored(change.write));
        return change.write;
      });
    },
    async setKeepAlive(key, keepAlive, now = new Date()) {
      const after = await repo.mutate(key, (g) =>
        g && g.keepAlive !== keepAlive ? { write: { ...g, keepAlive, updatedAt: now } } : undefined,
      );
      return after !== undefined;
    },
    async touch(grant, now, throttleMs = 3600_000) {
      if (now.getTime() - grant.lastUsedAt.getTime() < throttleMs) return;
      // A plain field update: it must not contend with refreshers' transactions over the token material.
      await db.doc(ref(keyOf(grant)).path).update({ lastUsedAt: Timestamp.fromDate(now) });
    },
    async dueForKeepAlive(before, limit, after) {
      let query = db
        .collectionGroup(GRANTS)
        .withConverter(conv)
        .where("keepAlive", "==", true)
        .where("status", "==", "connected")
        .where("accessTokenExpiresAt", "<=", Timestamp.fromDate(before))
        .orderBy("accessTokenExpiresAt")
        .orderBy(FieldPath.documentId())
        .limit(limit);
      if (after) {
        const [millis, path] = JSON.parse(Buffer.from(after, "base64url").toString("utf8")) as [
          number,
          string,
        ];
        query = query.startAfter(Timestamp.fromMillis(millis), db.doc(path));
      }
      const docs = (await query.get()).docs;
      const grants = docs.map((d) => fromStored(d.data()));
      const last = docs.at(-1);
      const page: KeepAlivePage = { grants };
      if (last && docs.length === limit) {
        const expiry = last.data().accessTokenExpiresAt?.toMillis() ?? 0;
        page.cursor = Buffer.from(JSON.stringify([expiry, last.ref.path])).toString("base64url");
      }
      return page;
    },
  };
  return repo;
}
