// The watch-channel ledger: channels/{channelId}, one document per Google push channel
// (docs/product.md#watch-channel-ledger).
// The per-channel token is random and stored only as its SHA-256; a notification's token is hashed and
// compared with timingSafeEqual. The shape carries `kind` so Directory channels can share the ledger
// (kind: "calendar" | "directory"); this module only ever opens calendar channels.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { converter, expireAfter } from "../platform/firestore";

export const CHANNELS_COLLECTION = "channels";

const When = z.union([z.instanceof(Timestamp).transform((t) => t.toDate()), z.date()]);

export const ChannelRecord = z.object({
  id: z.string().min(1).max(64),
  kind: z.enum(["calendar", "directory"]),
  orgId: z.string(),
  /** The owner whose token opened it (Google lets only the creator stop it). */
  userId: z.string(),
  /** What it watches: a calendar id (kind calendar). */
  resource: z.string(),
  /** Google's resource id; null while the watch call is in flight (a `sync` may arrive first). */
  resourceId: z.string().nullable(),
  tokenHash: z.string().length(64),
  /** opening → active → stopped; `expired` when it lapsed without renewal. */
  status: z.enum(["opening", "active", "stopped", "expired"]),
  expiresAt: When,
  createdAt: When,
  stoppedAt: When.nullable(),
  /** The channel that replaced it at renewal. */
  replacedBy: z.string().nullable(),
  /** TTL policy field: set when the channel is stopped or expired, so the ledger cleans itself. */
  expireAt: When.nullable(),
});
export type ChannelRecord = z.infer<typeof ChannelRecord>;

const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** Constant-time: both sides are fixed-length hashes, so neither length nor content leaks through timing. */
export function tokenMatches(stored: ChannelRecord, presented: string | undefined): boolean {
  const expected = Buffer.from(stored.tokenHash, "hex");
  const actual = Buffer.from(hashToken(presented ?? ""), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual) && presented !== undefined;
}

export const newChannelId = () => `sb-cal-${randomBytes(18).toString("base64url")}`;
export const newChannelToken = () => randomBytes(32).toString("base64url");

export interface ChannelLedger {
  get(id: string): Promise<ChannelRecord | undefined>;
  /** Records a channel about to be opened (before the watch call, so an early `sync` finds it). */
  recordOpening(input: {
    id: string;
    token: string;
    orgId: string;
    userId: string;
    resource: string;
    expiresAt: Date;
    now: Date;
  }): Promise<ChannelRecord>;
  markActive(id: string, resourceId: string, expiresAt: Date): Promise<void>;
  markStopped(id: string, now: Date, replacedBy?: string): Promise<void>;
  markExpired(id: string, now: Date): Promise<void>;
  /** The user's live (opening or active) calendar channels. */
  liveForUser(orgId: string, userId: string): Promise<ChannelRecord[]>;
  /** Live calendar channels expiring before `before`, soonest first. */
  expiringBefore(before: Date, limit: number): Promise<ChannelRecord[]>;
}

const FOREIGN: ChannelRecord = {
  id: "",
  kind: "directory",
  orgId: "",
  userId: "",
  resource: "",
  resourceId: null,
  tokenHash: "0".repeat(64),
  status: "stopped",
  expiresAt: new Date(0),
  createdAt: new Date(0),
  stoppedAt: null,
  replacedBy: null,
  expireAt: null,
};

const RETAIN_STOPPED_MS = 8 * 24 * 3600_000; // past the longest channel lifetime we ask for

export function firestoreChannelLedger(db: Firestore): ChannelLedger {
  const col = db.collection(CHANNELS_COLLECTION).withConverter(converter(ChannelRecord));
  return {
    async get(id) {
      if (!id || id.length > 64 || id.includes("/")) return undefined;
      const raw = await db.collection(CHANNELS_COLLECTION).doc(id).get();
      if (!raw.exists) return undefined;
      // Another capability's channel (Directory keeps its own shape in this collection): never a match.
      if (raw.get("kind") !== "calendar") return { ...FOREIGN, id };
      const parsed = ChannelRecord.safeParse(raw.data());
      if (!parsed.success) throw new Error(`Channel ${id} is malformed: ${parsed.error.message}`);
      return parsed.data;
    },
    async recordOpening(input) {
      const record: ChannelRecord = {
        id: input.id,
        kind: "calendar",
        orgId: input.orgId,
        userId: input.userId,
        resource: input.resource,
        resourceId: null,
        tokenHash: hashToken(input.token),
        status: "opening",
        expiresAt: input.expiresAt,
        createdAt: input.now,
        stoppedAt: null,
        replacedBy: null,
        expireAt: null,
      };
      await col.doc(input.id).create(record);
      return record;
    },
    async markActive(id, resourceId, expiresAt) {
      await db.collection(CHANNELS_COLLECTION).doc(id).update({ resourceId, expiresAt, status: "active" });
    },
    async markStopped(id, now, replacedBy) {
      await db
        .collection(CHANNELS_COLLECTION)
        .doc(id)
        .update({
          status: "stopped",
          stoppedAt: now,
          expireAt: expireAfter(RETAIN_STOPPED_MS, now),
          ...(replacedBy ? { replacedBy } : {}),
        });
    },
    async markExpired(id, now) {
      await db
        .collection(CHANNELS_COLLECTION)
        .doc(id)
        .update({ status: "expired", stoppedAt: now, expireAt: expireAfter(RETAIN_STOPPED_MS, now) });
    },
    async liveForUser(orgId, userId) {
      const snap = await col
        .where("kind", "==", "calendar")
        .where("orgId", "==", orgId)
        .where("userId", "==", userId)
        .where("status", "in", ["opening", "active"])
        .get();
      return snap.docs.map((d) => d.data());
    },
    async expiringBefore(before, limit) {
      const snap = await col
        .where("kind", "==", "calendar")
        .where("status", "==", "active")
        .where("expiresAt", "<", before)
        .orderBy("expiresAt")
        .limit(limit)
        .get();
      return snap.docs.map((d) => d.data());
    },
  };
}
