// The watch-channel ledger: channels/{channelId}, one document per Google push channel, for every kind
// (calendar events.watch, directory users.watch). It is the only code that reads or writes the collection:
// one record shape, one status vocabulary, one token scheme, one constant-time check of a notification.
//
// Token: random per channel, stored only as its SHA-256 (hex); a notification's token is hashed and
// compared with timingSafeEqual, so neither its length nor its content leaks through timing.
//
// Migration: before this ledger, calendar and directory kept two shapes in the collection (see
// LegacyCalendarChannel and LegacyDirectoryChannel below). Both are still read, converted on the way in;
// only the current shape (`schemaVersion: 2`) is written, and a legacy document is rewritten in the
// current shape the first time the ledger reads or changes it. Legacy channels live at most 7 days, and
// stopped ones are deleted by the TTL policy, so the legacy readers can go once a release has run that long.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type {
  DocumentSnapshot,
  Firestore,
  FirestoreDataConverter,
  QueryDocumentSnapshot,
} from "@google-cloud/firestore";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { converter, expireAfter } from "./firestore";

export const CHANNELS_COLLECTION = "channels";
export const CHANNEL_SCHEMA_VERSION = 2;
export const CHANNEL_KINDS = ["calendar", "directory"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** What a directory channel watches: every user of the org's Workspace account. */
export const DIRECTORY_USERS_RESOURCE = "users";
/** Stopped and expired channels are kept past the longest lifetime we ask for (7 days), then the TTL policy
 * deletes them; until then a late notification finds its channel and is refused or stopped by status. */
const RETAIN_STOPPED_MS = 8 * 24 * 3600_000;

const When = z.union([z.instanceof(Timestamp).transform((t) => t.toDate()), z.date()]);
const TokenHash = z.string().regex(/^[0-9a-f]{64}$/, "a hex SHA-256");

const common = {
  schemaVersion: z.literal(CHANNEL_SCHEMA_VERSION),
  orgId: z.string().min(1),
  /** Google's resource id; null while the watch call is in flight (a `sync` may arrive first). */
  resourceId: z.string().nullable(),
  tokenHash: TokenHash,
  /** opening → active → stopped; `expired` when it lapsed without renewal. */
  status: z.enum(["opening", "active", "stopped", "expired"]),
  expiresAt: When,
  createdAt: When,
  stoppedAt: When.nullable(),
  /** The channel that replaced it at renewal. */
  replacedBy: z.string().nullable(),
  /** TTL policy field: set when the channel is stopped or expired, so the ledger cleans itself. */
  expireAt: When.nullable(),
};

/** The stored document (the id is the document's). */
const StoredChannel = z.discriminatedUnion("kind", [
  z.object({
    ...common,
    kind: z.literal("calendar"),
    /** The user whose token opened it (Google lets only the creator stop it). */
    userId: z.string().min(1),
    /** The calendar id it watches. */
    resource: z.string().min(1),
  }),
  z.object({
    ...common,
    kind: z.literal("directory"),
    /** Org-wide: opened and stopped with the org's directory connection, not a person's grant. */
    userId: z.null(),
    resource: z.literal(DIRECTORY_USERS_RESOURCE),
  }),
]);
type StoredChannel = z.infer<typeof StoredChannel>;

export type WatchChannel = StoredChannel & { id: string };
export type ChannelOf<K extends ChannelKind> = Extract<WatchChannel, { kind: K }>;
export type CalendarChannel = ChannelOf<"calendar">;
export type DirectoryChannel = ChannelOf<"directory">;
export type ChannelStatus = WatchChannel["status"];

/** Presence's calendar channels before the shared ledger: today's shape without `schemaVersion`. */
const LegacyCalendarChannel = z
  .object({
    kind: z.literal("calendar"),
    orgId: z.string().min(1),
    userId: z.string().min(1),
    resource: z.string().min(1),
    resourceId: z.string().nullable(),
    tokenHash: TokenHash,
    status: z.enum(["opening", "active", "stopped", "expired"]),
    expiresAt: When,
    createdAt: When,
    stoppedAt: When.nullable(),
    replacedBy: z.string().nullable(),
    expireAt: When.nullable(),
  })
  .transform((c): StoredChannel => ({ ...c, schemaVersion: CHANNEL_SCHEMA_VERSION }));

/** Directory's users.watch channels before the shared ledger: epoch-ms expiry, ISO creation time,
 * `live | stopped`, and the token's SHA-256 in base64url. */
const LegacyDirectoryChannel = z
  .object({
    kind: z.literal("directory-users"),
    orgId: z.string().min(1),
    resourceId: z.string().nullable(),
    tokenHash: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a base64url SHA-256"),
    expiration: z.number(),
    createdAt: z.iso.datetime(),
    status: z.enum(["live", "stopped"]),
    expireAt: When.optional(),
  })
  .transform(
    (c): StoredChannel => ({
      schemaVersion: CHANNEL_SCHEMA_VERSION,
      kind: "directory",
      orgId: c.orgId,
      userId: null,
      resource: DIRECTORY_USERS_RESOURCE,
      resourceId: c.resourceId,
      // The same digest, re-encoded: the token Google holds still matches.
      tokenHash: Buffer.from(c.tokenHash, "base64url").toString("hex"),
      status: c.status === "stopped" ? "stopped" : c.resourceId ? "active" : "opening",
      expiresAt: new Date(c.expiration),
      createdAt: new Date(c.createdAt),
      stoppedAt: null, // not recorded in the legacy shape
      replacedBy: null,
      expireAt: c.expireAt ?? null,
    }),
  );

const ReadableChannel = z.union([StoredChannel, LegacyCalendarChannel, LegacyDirectoryChannel]);

/** Reads every shape (validated), writes only the current one. */
const readable = converter<StoredChannel>(ReadableChannel);
export const channelConverter: FirestoreDataConverter<WatchChannel> = {
  toFirestore: (channel) => {
    const { id: _id, ...stored } = channel as WatchChannel;
    return StoredChannel.parse(stored);
  },
  fromFirestore: (snapshot: QueryDocumentSnapshot) =>
    ({ ...readable.fromFirestore(snapshot), id: snapshot.id }) as WatchChannel,
};

const isLegacy = (snapshot: DocumentSnapshot) => snapshot.get("schemaVersion") !== CHANNEL_SCHEMA_VERSION;

export const hashChannelToken = (token: string): string =>
  createHash("sha256").update(token, "utf8").digest("hex");

/** Constant-time: both sides are fixed-length hashes, so neither length nor content leaks through timing. */
export function tokenMatches(channel: WatchChannel, presented: string | undefined): boolean {
  const expected = Buffer.from(channel.tokenHash, "hex");
  const actual = Buffer.from(hashChannelToken(presented ?? ""), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual) && presented !== undefined;
}

export type NotificationCheck<K extends ChannelKind> =
  | { ok: true; channel: ChannelOf<K> }
  | { ok: false; tokenOk: boolean; kindOk: boolean; resourceOk: boolean };

/**
 * Whether a push notification (its X-Goog-Channel-Token and X-Goog-Resource-ID) proves it comes from this
 * channel of this kind: the token always, the resource id once the watch call has returned it. Status and
 * expiry are the caller's rule (calendar stops a stopped channel that still notifies; directory refuses).
 */
export function checkNotification<K extends ChannelKind>(
  channel: WatchChannel,
  kind: K,
  presented: { token: string | undefined; resourceId: string | undefined },
): NotificationCheck<K> {
  const tokenOk = tokenMatches(channel, presented.token);
  const kindOk = channel.kind === kind;
  const resourceOk = channel.resourceId === null || channel.resourceId === presented.resourceId;
  return tokenOk && kindOk && resourceOk
    ? { ok: true, channel: channel as ChannelOf<K> }
    : { ok: false, tokenOk, kindOk, resourceOk };
}

export const isLive = (channel: WatchChannel): boolean =>
  channel.status === "opening" || channel.status === "active";

/** Ids as each API has always received them: `sb-cal-…` for Calendar, a UUID for Directory. */
export const newChannelId = (kind: ChannelKind): string =>
  kind === "calendar" ? `sb-cal-${randomBytes(18).toString("base64url")}` : randomUUID();
export const newChannelToken = (): string => randomBytes(32).toString("base64url");

/** Ids we create are [A-Za-z0-9_-] up to 64; anything else (or Firestore's reserved `__…__`) is unknown. */
const isChannelId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id) && !/^__.*__$/.test(id);

export type OpeningInput = {
  [K in ChannelKind]: Pick<ChannelOf<K>, "kind" | "orgId" | "userId" | "resource"> & {
    id: string;
    /** The secret Google echoes in every notification; only its hash is stored. */
    token: string;
    expiresAt: Date;
    now: Date;
  };
}[ChannelKind];

export interface WatchChannelLedger {
  /** Any kind; undefined for an unknown (or impossible) id. */
  get(id: string): Promise<WatchChannel | undefined>;
  /** Records a channel about to be opened (before the watch call, so an early `sync` finds it). */
  recordOpening<I extends OpeningInput>(input: I): Promise<ChannelOf<I["kind"]>>;
  /** The watch call returned: Google's resource id and the expiry it granted. */
  markActive(id: string, resourceId: string, expiresAt: Date): Promise<void>;
  markStopped(id: string, now: Date, replacedBy?: string): Promise<void>;
  markExpired(id: string, now: Date): Promise<void>;
  /** Live (opening or active) channels of a kind for an org, or for one user of it. */
  live<K extends ChannelKind>(kind: K, owner: { orgId: string; userId?: string }): Promise<ChannelOf<K>[]>;
  /** Active channels of a kind expiring before `before`, soonest first. */
  expiringBefore<K extends ChannelKind>(kind: K, before: Date, limit: number): Promise<ChannelOf<K>[]>;
  /**
   * Channels of a kind still "opening" though created before `before`: the watch call's process died or
   * its answer was lost. Oldest first.
   */
  staleOpening<K extends ChannelKind>(kind: K, before: Date, limit: number): Promise<ChannelOf<K>[]>;
}

export function watchChannelLedger(db: Firestore): WatchChannelLedger {
  const col = db.collection(CHANNELS_COLLECTION).withConverter(channelConverter);

  /** Reads, edits and writes back one channel in a transaction; a legacy document is always written back
   * (in the current shape), so every change also migrates. A missing channel is left missing. */
  const rewrite = (id: string, edit?: (c: WatchChannel) => WatchChannel) =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(col.doc(id));
      const current = snap.data();
      if (!current) return undefined;
      const next = edit ? edit(current) : current;
      if (edit || isLegacy(snap)) tx.set(col.doc(id), next);
      return next;
    });

  /** Query results in the current shape, rewriting the legacy ones that are still there. */
  const current = async <K extends ChannelKind>(docs: DocumentSnapshot<WatchChannel>[]) => {
    const out: ChannelOf<K>[] = [];
    for (const d of docs) {
      const channel = isLegacy(d) ? await rewrite(d.id) : d.data();
      if (channel) out.push(channel as ChannelOf<K>);
    }
    return out;
  };

  /** Legacy directory channels are found by their old fields (at most a few per org, so no index). */
  const legacyDirectory = (orgId?: string) => {
    const q = db.collection(CHANNELS_COLLECTION).where("kind", "==", "directory-users");
    return (orgId ? q.where("orgId", "==", orgId) : q)
      .where("status", "==", "live")
      .limit(500)
      .withConverter(channelConverter);
  };

  const stop = (status: "stopped" | "expired", now: Date, replacedBy?: string) => (c: WatchChannel) =>
    ({
      ...c,
      status,
      stoppedAt: now,
      expireAt: expireAfter(RETAIN_STOPPED_MS, now),
      ...(replacedBy ? { replacedBy } : {}),
    }) as WatchChannel;

  return {
    async get(id) {
      if (!isChannelId(id)) return undefined;
      const snap = await col.doc(id).get();
      if (!snap.exists) return undefined;
      return isLegacy(snap) ? rewrite(id) : snap.data();
    },
    async recordOpening<I extends OpeningInput>(input: I) {
      const channel = {
        id: input.id,
        schemaVersion: CHANNEL_SCHEMA_VERSION,
        kind: input.kind,
        orgId: input.orgId,
        userId: input.userId,
        resource: input.resource,
        resourceId: null,
        tokenHash: hashChannelToken(input.token),
        status: "opening",
        expiresAt: input.expiresAt,
        createdAt: input.now,
        stoppedAt: null,
        replacedBy: null,
        expireAt: null,
      } as ChannelOf<I["kind"]>;
      await col.doc(input.id).create(channel);
      return channel;
    },
    async markActive(id, resourceId, expiresAt) {
      await rewrite(id, (c) => ({ ...c, resourceId, expiresAt, status: "active" }));
    },
    async markStopped(id, now, replacedBy) {
      await rewrite(id, stop("stopped", now, replacedBy));
    },
    async markExpired(id, now) {
      await rewrite(id, stop("expired", now));
    },
    async live(kind, { orgId, userId }) {
      let q = col.where("kind", "==", kind).where("orgId", "==", orgId);
      if (userId !== undefined) q = q.where("userId", "==", userId);
      const [fresh, legacy] = await Promise.all([
        q.where("status", "in", ["opening", "active"]).get(),
        kind === "directory" && userId === undefined ? legacyDirectory(orgId).get() : undefined,
      ]);
      return current([...fresh.docs, ...(legacy?.docs ?? [])]);
    },
    async expiringBefore(kind, before, limit) {
      const [fresh, legacy] = await Promise.all([
        col
          .where("kind", "==", kind)
          .where("status", "==", "active")
          .where("expiresAt", "<", before)
          .orderBy("expiresAt")
          .limit(limit)
          .get(),
        kind === "directory" ? legacyDirectory().get() : undefined,
      ]);
      const found = await current<typeof kind>([...fresh.docs, ...(legacy?.docs ?? [])]);
      return found
        .filter((c) => c.status === "active" && c.expiresAt < before)
        .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
        .slice(0, limit);
    },
    async staleOpening(kind, before, limit) {
      const snap = await col
        .where("kind", "==", kind)
        .where("status", "==", "opening")
        .where("createdAt", "<", before)
        .orderBy("createdAt")
        .limit(limit)
        .get();
      return current<typeof kind>(snap.docs);
    },
  };
}
