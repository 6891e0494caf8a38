// The presence capability's Pub/Sub messages: sync requests to calendar-sync (ordering key = the user,
// so one user's syncs run one after another) and presence-changed (every visible change).
import { z } from "zod";
import { defineMessage } from "../platform/messages";

export const CALENDAR_SYNC_TOPIC = "calendar-sync";
export const PRESENCE_CHANGED_TOPIC = "presence-changed";
export const PRESENCE_SWEEP_TICKS_TOPIC = "presence-sweep-ticks";
export const CHANNEL_RENEWAL_TICKS_TOPIC = "channel-renewal-ticks";

export const CalendarSyncRequest = z.object({
  orgId: z.string().min(1),
  userId: z.string().min(1),
  /**
   * sync: incremental (full on 410 or a stale window); connect: full sync and open watch channels;
   * stop-channel: stop one unwanted channel at Google.
   */
  action: z.enum(["sync", "connect", "stop-channel"]),
  reason: z.enum(["notification", "reconcile", "polling", "connect", "renewal", "unwanted-channel"]),
  channelId: z.string().max(64).optional(),
  messageNumber: z.string().max(32).optional(),
  requestedAt: z.iso.datetime({ offset: true }),
});
export type CalendarSyncRequest = z.infer<typeof CalendarSyncRequest>;
export const CalendarSyncMessage = defineMessage(CALENDAR_SYNC_TOPIC, CalendarSyncRequest);

export const orderingKeyOf = (user: { orgId: string; userId: string }) => `${user.orgId}/${user.userId}`;

export const PresenceChanged = z.object({
  /** Deterministic per change (user + version): consumers drop a re-published duplicate. */
  id: z.string().min(1),
  orgId: z.string(),
  userId: z.string(),
  version: z.number().int().min(1),
  state: z.enum(["dnd", "on_call", "out_of_office", "in_meeting", "focus", "available", "unknown"]),
  reason: z.string(),
  until: z.iso.datetime({ offset: true }).nullable(),
  /** Only for a public event; consumers showing it outside the org must drop it (viewFor). */
  title: z.string().nullable(),
  changedAt: z.iso.datetime({ offset: true }),
});
export type PresenceChanged = z.infer<typeof PresenceChanged>;
export const PresenceChangedMessage = defineMessage(PRESENCE_CHANGED_TOPIC, PresenceChanged);

const Tick = z.object({ function: z.string(), schedule: z.string(), timeZone: z.string() });
export const PresenceSweepTick = defineMessage(PRESENCE_SWEEP_TICKS_TOPIC, Tick);
export const ChannelRenewalTick = defineMessage(CHANNEL_RENEWAL_TICKS_TOPIC, Tick);
