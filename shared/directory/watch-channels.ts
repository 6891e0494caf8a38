// users.watch channels for an org's directory: the ledger channels/{id} (kind, owner org, resourceId,
// token hash, expiry), renewal before expiry (a new channel first, then the old one stopped, so no
// change falls in a gap), and the check every push must pass (channel id + per-channel secret token in
// constant time, and the resourceId once known). The token itself is never stored.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { DirectoryApi } from "../google/directory-api";
import { expireAfter } from "../platform/firestore";

export const CHANNELS_COLLECTION = "channels";
export const DIRECTORY_CHANNEL_KIND = "directory-users";
const KIND = DIRECTORY_CHANNEL_KIND;

interface ChannelDoc {
  kind: typeof KIND;
  orgId: string;
  resourceId: string | null;
  tokenHash: string;
  /** Epoch ms. */
  expiration: number;
  createdAt: string;
  status: "live" | "stopped";
}

/** A stopped channel is kept a week (late notifications are refused by status), then the TTL policy removes it. */
const stoppedFields = () => ({ status: "stopped", expireAt: expireAfter(7 * 24 * 3600_000) });

const hashToken = (token: string) => createHash("sha256").update(token).digest();

export interface WatchOptions {
  /** Renew channels that expire within this margin: more than the reconcile's period (3 hours), so a
   * channel is always replaced by a reconcile before it lapses, even at the 6-hour lifetime the simulator
   * assumes (docs/google-behaviour.md#directory-push-channels). */
  renewBeforeMs: number;
  /** Requested lifetime; Google (and the simulator) may shorten it. */
  lifetimeMs: number;
}

export const WATCH_DEFAULTS: WatchOptions = { renewBeforeMs: 3.5 * 3600_000, lifetimeMs: 7 * 24 * 3600_000 };

export async function ensureUserWatch(
  db: Firestore,
  api: DirectoryApi,
  orgId: string,
  address: string,
  now: Date,
  options: WatchOptions = WATCH_DEFAULTS,
): Promise<{ renewed: boolean; channelId: string; stopped: string[] }> {
  const live = await db
    .collection(CHANNELS_COLLECTION)
    .where("orgId", "==", orgId)
    .where("kind", "==", KIND)
    .where("status", "==", "live")
    .get();
  const docs = live.docs.map((d) => ({ id: d.id, ...(d.data() as ChannelDoc) }));
  const keep = docs.find((c) => c.expiration - options.renewBeforeMs > now.getTime() && c.resourceId);
  if (keep) return { renewed: false, channelId: keep.id, stopped: [] };

  const id = randomUUID();
  const token = randomBytes(32).toString("base64url");
  const ref = db.collection(CHANNELS_COLLECTION).doc(id);
  // Stored before the watch call: the first (sync) notification may arrive before its response.
  await ref.create({
    kind: KIND,
    orgId,
    resourceId: null,
    tokenHash: hashToken(token).toString("base64url"),
    expiration: now.getTime() + options.lifetimeMs,
    createdAt: now.toISOString(),
    status: "live",
  } satisfies ChannelDoc);
  try {
    const opened = await api.watchUsers({
      id,
      token,
      address,
      expiration: now.getTime() + options.lifetimeMs,
    });
    await ref.update({ resourceId: opened.resourceId, expiration: opened.expiration });
  } catch (error) {
    await ref.delete();
    throw error;
  }
  const stopped: string[] = [];
  for (const old of docs) {
    if (old.resourceId) await api.stopChannel(old.id, old.resourceId);
    await db.collection(CHANNELS_COLLECTION).doc(old.id).update(stoppedFields());
    stopped.push(old.id);
  }
  return { renewed: true, channelId: id, stopped };
}

/** Stops every live channel of the org (disconnecting the directory). */
export async function stopUserWatches(db: Firestore, api: DirectoryApi, orgId: string): Promise<number> {
  const live = await db
    .collection(CHANNELS_COLLECTION)
    .where("orgId", "==", orgId)
    .where("kind", "==", KIND)
    .where("status", "==", "live")
    .get();
  for (const d of live.docs) {
    const c = d.data() as ChannelDoc;
    if (c.resourceId) await api.stopChannel(d.id, c.resourceId);
    await d.ref.update(stoppedFields());
  }
  return live.size;
}

export interface PushHeaders {
  channelId: string | undefined;
  token: string | undefined;
  resourceId: string | undefined;
}

/** The org a genuine push belongs to; undefined for anything unknown, stopped, expired or forged. */
export async function verifyDirectoryPush(
  db: Firestore,
  push: PushHeaders,
  now: Date,
): Promise<string | undefined> {
  if (!push.channelId || !push.token || push.channelId.length > 200) return undefined;
  const snap = await db.collection(CHANNELS_COLLECTION).doc(push.channelId).get();
  const channel = snap.data() as ChannelDoc | undefined;
  if (!channel || channel.kind !== KIND || channel.status !== "live" || channel.expiration < now.getTime())
    return undefined;
  const expected = Buffer.from(channel.tokenHash, "base64url");
  const actual = hashToken(push.token);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  if (channel.resourceId && channel.resourceId !== push.resourceId) return undefined;
  return channel.orgId;
}
