// The org's users.watch channel, kept in the shared watch-channel ledger (kind `directory`): renewal before
// expiry (a new channel first, then the old one stopped, so no change falls in a gap), and the check every
// push must pass (channel id, per-channel secret token in constant time, the resourceId once known, and a
// live, unexpired channel). The token itself is never stored.
import type { DirectoryApi } from "../google/directory-api";
import {
  checkNotification,
  DIRECTORY_USERS_RESOURCE,
  isLive,
  newChannelId,
  newChannelToken,
  type WatchChannelLedger,
} from "../platform/watch-channel-ledger";

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
  ledger: WatchChannelLedger,
  api: DirectoryApi,
  orgId: string,
  address: string,
  now: Date,
  options: WatchOptions = WATCH_DEFAULTS,
): Promise<{ renewed: boolean; channelId: string; stopped: string[] }> {
  const live = await ledger.live("directory", { orgId });
  const keep = live.find(
    (c) => c.expiresAt.getTime() - options.renewBeforeMs > now.getTime() && c.resourceId,
  );
  if (keep) return { renewed: false, channelId: keep.id, stopped: [] };

  const id = newChannelId("directory");
  const token = newChannelToken();
  const expiration = now.getTime() + options.lifetimeMs;
  // Recorded before the watch call: the first (sync) notification may arrive before its response.
  await ledger.recordOpening({
    kind: "directory",
    id,
    token,
    orgId,
    userId: null,
    resource: DIRECTORY_USERS_RESOURCE,
    expiresAt: new Date(expiration),
    now,
  });
  try {
    const opened = await api.watchUsers({ id, token, address, expiration });
    await ledger.markActive(id, opened.resourceId, new Date(opened.expiration));
  } catch (error) {
    await ledger.markStopped(id, now).catch(() => undefined);
    throw error;
  }
  const stopped: string[] = [];
  for (const old of live) {
    if (old.resourceId) await api.stopChannel(old.id, old.resourceId);
    await ledger.markStopped(old.id, now, id);
    stopped.push(old.id);
  }
  return { renewed: true, channelId: id, stopped };
}

/** Stops every live channel of the org (disconnecting the directory). */
export async function stopUserWatches(
  ledger: WatchChannelLedger,
  api: DirectoryApi,
  orgId: string,
  now: Date,
): Promise<number> {
  const live = await ledger.live("directory", { orgId });
  for (const c of live) {
    if (c.resourceId) await api.stopChannel(c.id, c.resourceId);
    await ledger.markStopped(c.id, now);
  }
  return live.length;
}

/** When the org's live channel expires (the latest, while a renewal overlaps); undefined without one. */
export async function userWatchExpiry(ledger: WatchChannelLedger, orgId: string): Promise<Date | undefined> {
  const live = await ledger.live("directory", { orgId });
  return live.map((c) => c.expiresAt).sort((a, b) => b.getTime() - a.getTime())[0];
}

export interface PushHeaders {
  channelId: string | undefined;
  token: string | undefined;
  resourceId: string | undefined;
}

/** The org a genuine push belongs to; undefined for anything unknown, stopped, expired or forged. */
export async function verifyDirectoryPush(
  ledger: WatchChannelLedger,
  push: PushHeaders,
  now: Date,
): Promise<string | undefined> {
  if (!push.channelId || !push.token) return undefined;
  const channel = await ledger.get(push.channelId);
  if (!channel || !isLive(channel) || channel.expiresAt.getTime() < now.getTime()) return undefined;
  return checkNotification(channel, "directory", push).ok ? channel.orgId : undefined;
}
