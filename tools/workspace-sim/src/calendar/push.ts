// Calendar watch channels and their web_hook notifications, delivered as Google delivers them:
//  - `sync` first, message number 1, possibly before the events.watch response is written;
//  - then `exists` with increasing, non-consecutive X-Goog-Message-Number; changes close together
//    collapse into one notification (a short debounce);
//  - X-Goog-Channel-ID / -Resource-ID / -Resource-URI / -Resource-State on every message,
//    X-Goog-Channel-Token and X-Goog-Channel-Expiration only when defined; the body is empty;
//  - 200/201/202/204/102 succeed; 500/502/503/504 are retried with exponential backoff; anything else
//    is a failure and is not retried;
//  - nothing is delivered once the channel has expired (sim clock) or was stopped.
// Test faults: drop, delay, duplicate or reorder notifications, or make the address unreachable.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { SimState } from "../state";
import { type Calendar, findCalendar, onCalendarChange } from "./model";
import { calendarSettings } from "./settings";

export interface CalendarChannel {
  id: string;
  resourceId: string;
  resourceUri: string;
  token?: string;
  address: string;
  /** Sim-clock epoch ms. */
  expiration: number;
  calendarId: string;
  calendar: Calendar;
  clientId: string;
  creatorEmail?: string;
  createdByServiceAccount: boolean;
  createdAt: number;
  /** events.watch `eventTypes`: only changes to events of these types notify. */
  eventTypes?: string[];
}

interface Message {
  state: "sync" | "exists";
  number: number;
  /** performance.now() of the first change this message reports (for latency figures). */
  changedAt?: number;
}

interface ChannelRuntime {
  channel: CalendarChannel;
  lastNumber: number;
  stopped: boolean;
  queue: Message[];
  busy: boolean;
  debounce?: NodeJS.Timeout | undefined;
  firstChangeAt?: number | undefined;
  held?: Message | undefined;
  heldTimer?: NodeJS.Timeout | undefined;
}

export type DeliveryStatus = number | "dropped" | "network-error" | "expired" | "stopped";

export interface NotificationRecord {
  channelId: string;
  resourceId: string;
  calendarId: string;
  state: "sync" | "exists";
  messageNumber: number;
  status: DeliveryStatus;
  attempts: number;
  /** Sim time when the delivery finished. */
  at: number;
  /** Real ms from the first change reported to the receiver's answer (exists messages). */
  latencyMs?: number;
  duplicate?: boolean;
  delayedMs?: number;
  reordered?: boolean;
}

export type NotificationFaultAction = "drop" | "delay" | "duplicate" | "reorder" | "unreachable";

export interface NotificationFault {
  action: NotificationFaultAction;
  channelId?: string;
  calendarId?: string;
  address?: string;
  /** For "delay": real milliseconds. */
  delayMs?: number;
  /** Notifications affected (default 1). Use a large number for "until cleared". */
  times?: number;
  /** Also apply to `sync` messages (default: only `exists`). */
  includeSync?: boolean;
}

interface ActiveFault extends NotificationFault {
  id: number;
  remaining: number;
}

const SUCCESS = new Set([200, 201, 202, 204, 102]);
const RETRYABLE = new Set([500, 502, 503, 504]);

export class CalendarPushHub {
  private readonly runtimes = new Map<string, ChannelRuntime>();
  readonly deliveries: NotificationRecord[] = [];
  private faults: ActiveFault[] = [];
  private nextFaultId = 1;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly state: SimState) {
    onCalendarChange(state, (cal, eventId) => this.onChange(cal, eventId));
  }

  private key(clientId: string, id: string): string {
    return `${clientId}|${id}`;
  }

  get(clientId: string, id: string): CalendarChannel | undefined {
    const rt = this.runtimes.get(this.key(clientId, id));
    return rt && !rt.stopped && this.state.now() < rt.channel.expiration ? rt.channel : undefined;
  }

  /** Live channels (stopped and expired ones are gone). */
  channels(): CalendarChannel[] {
    const now = this.state.now();
    for (const [key, rt] of this.runtimes) {
      if (rt.stopped || now >= rt.channel.expiration) {
        if (!rt.busy) this.retire(rt);
        this.runtimes.delete(key);
      }
    }
    return [...this.runtimes.values()].map((r) => r.channel);
  }

  open(channel: CalendarChannel): void {
    const rt: ChannelRuntime = { channel, lastNumber: 1, stopped: false, queue: [], busy: false };
    this.runtimes.set(this.key(channel.clientId, channel.id), rt);
    // Like Google, the sync message may arrive before the watch response.
    rt.queue.push({ state: "sync", number: 1 });
    this.pump(rt);
  }

  stop(channel: CalendarChannel): void {
    const key = this.key(channel.clientId, channel.id);
    const rt = this.runtimes.get(key);
    if (!rt) return;
    this.retire(rt);
    this.runtimes.delete(key);
  }

  private retire(rt: ChannelRuntime): void {
    rt.stopped = true;
    if (rt.debounce) clearTimeout(rt.debounce);
    if (rt.heldTimer) clearTimeout(rt.heldTimer);
    rt.debounce = undefined;
  }

  addFault(fault: NotificationFault): number {
    const id = this.nextFaultId++;
    this.faults.push({ ...fault, id, remaining: fault.times ?? 1 });
    return id;
  }

  removeFault(id: number): void {
    this.faults = this.faults.filter((f) => f.id !== id);
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Forget channels, deliveries and faults (control reset). */
  clear(): void {
    for (const rt of this.runtimes.values()) this.retire(rt);
    this.runtimes.clear();
    this.deliveries.length = 0;
    this.faults = [];
  }

  /** Stop delivering for good (simulator shutdown). */
  close(): void {
    this.closed = true;
    this.clear();
  }

  /** Resolves when nothing is queued, debouncing, held or in flight. */
  async drain(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const pending = [...this.runtimes.values()].some(
        (rt) => !rt.stopped && (rt.debounce || rt.busy || rt.queue.length > 0 || rt.held),
      );
      if (!pending && this.inFlight.size === 0) return;
      if (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  private onChange(calendar: Calendar, eventId: string): void {
    if (this.closed) return;
    const now = this.state.now();
    const type = String(calendar.entries.get(eventId)?.body.eventType ?? "default");
    for (const rt of this.runtimes.values()) {
      if (rt.stopped || rt.channel.calendar !== calendar) continue;
      if (rt.channel.eventTypes && !rt.channel.eventTypes.includes(type)) continue;
      if (now >= rt.channel.expiration) continue;
      rt.firstChangeAt ??= performance.now();
      if (rt.debounce) continue; // coalesce with the notification already being prepared
      rt.debounce = setTimeout(() => {
        rt.debounce = undefined;
        if (rt.stopped) return;
        rt.lastNumber += 2 + Math.floor(Math.random() * 4); // increasing, never consecutive
        const msg: Message = {
          state: "exists",
          number: rt.lastNumber,
          ...(rt.firstChangeAt !== undefined ? { changedAt: rt.firstChangeAt } : {}),
        };
        rt.firstChangeAt = undefined;
        rt.queue.push(msg);
        this.pump(rt);
      }, calendarSettings(this.state).notificationDebounceMs);
      rt.debounce.unref?.();
    }
  }

  private pump(rt: ChannelRuntime): void {
    if (rt.busy) return;
    rt.busy = true;
    const p = (async () => {
      try {
        while (rt.queue.length > 0 && !this.closed) {
          const msg = rt.queue.shift()!;
          await this.process(rt, msg);
          if (rt.held && rt.held !== msg) {
            const held = rt.held;
            rt.held = undefined;
            if (rt.heldTimer) clearTimeout(rt.heldTimer);
            await this.send(rt, held, { reordered: true });
          }
        }
      } finally {
        rt.busy = false;
      }
    })();
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private takeFaults(rt: ChannelRuntime, msg: Message): ActiveFault[] {
    const out: ActiveFault[] = [];
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (msg.state === "sync" && !f.includeSync) continue;
      if (f.channelId && f.channelId !== rt.channel.id) continue;
      if (f.calendarId && f.calendarId.toLowerCase() !== rt.channel.calendarId) continue;
      if (f.address && f.address !== rt.channel.address) continue;
      if (out.some((o) => o.action === f.action)) continue;
      f.remaining--;
      out.push(f);
    }
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return out;
  }

  private async process(rt: ChannelRuntime, msg: Message): Promise<void> {
    const faults = this.takeFaults(rt, msg);
    const has = (a: NotificationFaultAction) => faults.find((f) => f.action === a);
    if (has("drop")) {
      this.record(rt, msg, { status: "dropped", attempts: 0 });
      return;
    }
    if (has("reorder") && !rt.held) {
      rt.held = msg;
      // If nothing follows soon, deliver it anyway.
      rt.heldTimer = setTimeout(() => {
        if (rt.held !== msg) return;
        rt.held = undefined;
        rt.queue.push(msg);
        this.pump(rt);
      }, 500);
      rt.heldTimer.unref?.();
      return;
    }
    const delay = has("delay");
    if (delay) await new Promise((r) => setTimeout(r, delay.delayMs ?? 200));
    const unreachable = has("unreachable") !== undefined;
    await this.send(rt, msg, { ...(delay ? { delayedMs: delay.delayMs ?? 200 } : {}), unreachable });
    if (has("duplicate")) await this.send(rt, msg, { duplicate: true, unreachable });
  }

  private record(
    rt: ChannelRuntime,
    msg: Message,
    extra: Partial<NotificationRecord> & Pick<NotificationRecord, "status" | "attempts">,
  ): NotificationRecord {
    const rec: NotificationRecord = {
      channelId: rt.channel.id,
      resourceId: rt.channel.resourceId,
      calendarId: rt.channel.calendarId,
      state: msg.state,
      messageNumber: msg.number,
      at: this.state.now(),
      ...extra,
    };
    this.deliveries.push(rec);
    if (this.deliveries.length > 100_000) this.deliveries.splice(0, 10_000);
    return rec;
  }

  /** Is the channel still allowed to deliver? Removes expired channels. */
  private live(rt: ChannelRuntime, msg: Message): boolean {
    if (rt.stopped || this.closed) {
      this.record(rt, msg, { status: "stopped", attempts: 0 });
      return false;
    }
    if (
      this.state.now() >= rt.channel.expiration ||
      findCalendar(this.state, rt.channel.calendarId) !== rt.channel.calendar
    ) {
      this.record(rt, msg, { status: "expired", attempts: 0 });
      this.retire(rt);
      this.runtimes.delete(this.key(rt.channel.clientId, rt.channel.id));
      return false;
    }
    return true;
  }

  private async send(
    rt: ChannelRuntime,
    msg: Message,
    opts: { duplicate?: boolean; reordered?: boolean; delayedMs?: number; unreachable?: boolean },
  ): Promise<void> {
    const settings = calendarSettings(this.state);
    const { channel } = rt;
    const headers: Record<string, string> = {
      "X-Goog-Channel-ID": channel.id,
      "X-Goog-Message-Number": String(msg.number),
      "X-Goog-Resource-ID": channel.resourceId,
      "X-Goog-Resource-URI": channel.resourceUri,
      "X-Goog-Resource-State": msg.state,
      "X-Goog-Channel-Expiration": new Date(channel.expiration).toUTCString(),
      "User-Agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
      "Content-Length": "0",
    };
    if (channel.token !== undefined) headers["X-Goog-Channel-Token"] = channel.token;
    let attempts = 0;
    let status: DeliveryStatus = "network-error";
    for (;;) {
      if (!this.live(rt, msg)) return;
      attempts++;
      status = opts.unreachable ? "network-error" : await postEmpty(channel.address, headers);
      const retry =
        (typeof status === "number" && RETRYABLE.has(status)) ||
        (status === "network-error" && settings.retryNetworkErrors);
      if (!retry || attempts >= settings.deliveryMaxAttempts) break;
      await new Promise((r) => setTimeout(r, settings.deliveryRetryBaseMs * 2 ** (attempts - 1)));
    }
    this.record(rt, msg, {
      status,
      attempts,
      ...(msg.changedAt !== undefined && typeof status === "number" && SUCCESS.has(status)
        ? { latencyMs: performance.now() - msg.changedAt }
        : {}),
      ...(opts.duplicate ? { duplicate: true } : {}),
      ...(opts.reordered ? { reordered: true } : {}),
      ...(opts.delayedMs !== undefined ? { delayedMs: opts.delayedMs } : {}),
    });
  }
}

/** POSTs an empty body; resolves to the HTTP status or "network-error". */
export function postEmpty(
  address: string,
  headers: Record<string, string>,
): Promise<number | "network-error"> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      resolve("network-error");
      return;
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: "POST", headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve("network-error"));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve("network-error"));
    req.end();
  });
}

const hubs = new WeakMap<SimState, CalendarPushHub>();

export function calendarPush(state: SimState): CalendarPushHub {
  let hub = hubs.get(state);
  if (!hub) {
    hub = new CalendarPushHub(state);
    hubs.set(state, hub);
  }
  return hub;
}
