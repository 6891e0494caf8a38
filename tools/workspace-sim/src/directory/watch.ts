// users.watch channels and their push notifications, sent as Google sends them: a `sync` message
// (#1) first, then one POST per event with X-Goog-* headers and a slim body, `{kind, id, etag,
// primaryEmail}` (admin-sdk directory guides/push), never the full user. Message numbers
// increase but skip values; notifications due together are delivered in random order; 500/502/503/504
// answers are retried with backoff. Events already queued still arrive after channels.stop.
import { randomBytes } from "node:crypto";
import type { FaultPlan } from "../faults";
import type { Org } from "../state";
import type { DirectoryUser, UserEvent } from "./directory-store";
import type { UserPredicate } from "./user-query";

export interface WatchChannel {
  id: string;
  resourceId: string;
  resourceUri: string;
  token?: string;
  address: string;
  /** Sim-clock epoch ms. */
  expiration: number;
  orgId: string;
  event?: UserEvent;
  matches: UserPredicate;
  clientId: string;
  creatorUserId?: string;
  createdByServiceAccount: boolean;
  messageNumber: number;
  stopped: boolean;
}

export interface PushDelivery {
  channelId: string;
  state: string;
  messageNumber: number;
  user?: string;
  status: number | "dropped" | "network-error";
  attempts: number;
}

interface PendingPush {
  channel: WatchChannel;
  state: string;
  number: number;
  body: string;
  user?: string;
  /** Decided when the event happens, so "drop the next notification" means the next event. */
  drop?: boolean;
}

export interface WatchHubDeps {
  now: () => number;
  faults: FaultPlan;
  pushOrder: () => "shuffled" | "fifo";
  batchWindowMs: () => number;
}

const RETRYABLE = new Set([500, 502, 503, 504]);

export class WatchHub {
  readonly channels = new Map<string, WatchChannel>();
  readonly deliveries: PushDelivery[] = [];
  private queue: PendingPush[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: WatchHubDeps) {}

  subscribe(org: Org): void {
    org.directory.onUserEvent((event, user) => this.onUserEvent(org, event, user));
  }

  open(channel: Omit<WatchChannel, "resourceId" | "messageNumber" | "stopped">): WatchChannel {
    const full: WatchChannel = {
      ...channel,
      resourceId: randomBytes(20).toString("base64url"),
      messageNumber: 1,
      stopped: false,
    };
    this.channels.set(full.id, full);
    // The sync message can arrive before the watch response, as with Google.
    this.enqueue({ channel: full, state: "sync", number: 1, body: "" });
    return full;
  }

  stop(id: string): void {
    const channel = this.channels.get(id);
    if (channel) channel.stopped = true;
    this.channels.delete(id);
  }

  /**
   * Sends a notification that did not come from Google: wrong (or no) channel token, optionally an
   * unknown channel id, so a webhook's spoofing defences can be tested.
   */
  spoof(
    channelId: string,
    opts: { token?: string | null; state?: string; unknownChannel?: boolean } = {},
  ): void {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`no channel ${channelId}`);
    const forged: WatchChannel = {
      ...channel,
      id: opts.unknownChannel ? `${channel.id}-forged` : channel.id,
    };
    if (opts.token === null) delete forged.token;
    else forged.token = opts.token ?? "spoofed-token";
    this.enqueue({
      channel: forged,
      state: opts.state ?? "update",
      number: channel.messageNumber + 1,
      body: "{}",
    });
  }

  /** Waits until every queued and in-flight notification has been attempted (for tests). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0 || this.timer) {
      if (this.timer && this.inFlight.size === 0)
        await new Promise((r) => setTimeout(r, this.deps.batchWindowMs() + 1));
      else await Promise.all([...this.inFlight]);
    }
  }

  clear(): void {
    this.channels.clear();
    this.queue = [];
    this.deliveries.length = 0;
  }

  private onUserEvent(org: Org, event: UserEvent, user: DirectoryUser): void {
    const now = this.deps.now();
    for (const channel of this.channels.values()) {
      if (channel.orgId !== org.id || channel.stopped || now >= channel.expiration) continue;
      if (channel.event && channel.event !== event) continue;
      if (event !== "delete" && !channel.matches(user)) continue;
      channel.messageNumber += 1 + Math.floor(Math.random() * 3);
      this.enqueue({
        channel,
        state: event,
        number: channel.messageNumber,
        body: JSON.stringify(pushBody(user)),
        user: user.primaryEmail,
        drop: this.deps.faults.shouldDropPush("directory", user.primaryEmail),
      });
    }
  }

  private enqueue(push: PendingPush): void {
    this.queue.push(push);
    this.timer ??= setTimeout(() => this.flush(), this.deps.batchWindowMs());
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (this.deps.pushOrder() === "shuffled") {
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [batch[i], batch[j]] = [batch[j]!, batch[i]!];
      }
    }
    for (const push of batch) {
      const p = this.deliver(push).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async deliver(push: PendingPush): Promise<void> {
    const { channel } = push;
    const record: PushDelivery = {
      channelId: channel.id,
      state: push.state,
      messageNumber: push.number,
      ...(push.user ? { user: push.user } : {}),
      status: "dropped",
      attempts: 0,
    };
    this.deliveries.push(record);
    if (push.drop) return;
    const headers: Record<string, string> = {
      "x-goog-channel-id": channel.id,
      "x-goog-message-number": String(push.number),
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-resource-state": push.state,
      "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
      "content-type": "application/json; charset=UTF-8",
    };
    if (channel.token !== undefined) headers["x-goog-channel-token"] = channel.token;
    for (let attempt = 0; attempt < 4; attempt++) {
      record.attempts = attempt + 1;
      try {
        const res = await fetch(channel.address, { method: "POST", headers, body: push.body });
        await res.arrayBuffer();
        record.status = res.status;
        if (!RETRYABLE.has(res.status)) return;
      } catch {
        record.status = "network-error";
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

/** What a users.watch notification carries: enough to fetch the user, nothing more. */
const pushBody = (user: DirectoryUser) => ({
  kind: "admin#directory#user",
  id: user.id,
  etag: user.etag,
  primaryEmail: user.primaryEmail,
});
