import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, googleError, startTestSim } from "../test-support";
import { calendarClient, Receiver, sleep } from "./test-support";

let sim: RunningWorkspaceSim;
let receiver: Receiver;
let n = 0;
const channelId = () => `chan-${++n}-${Date.now()}`;

beforeAll(async () => {
  sim = await startTestSim();
  sim.control.calendar.configure({ notificationDebounceMs: 20, deliveryRetryBaseMs: 10 });
});
afterAll(() => sim.stop());
beforeEach(async () => {
  receiver = await new Receiver().start();
});
afterEach(async () => {
  sim.control.calendar.reset(); // forget this test's channels, faults and records
  await receiver.stop();
});

let slot = 0;
function eventBody(summary = "Sync") {
  slot++;
  const start = new Date(Date.UTC(2032, 0, 1, 8, slot * 5));
  return {
    summary,
    start: { dateTime: start.toISOString() },
    end: { dateTime: new Date(start.getTime() + 30 * 60_000).toISOString() },
  };
}

async function watch(
  user = ALICE,
  opts: { id?: string; token?: string; ttl?: number; address?: string } = {},
) {
  const cal = calendarClient(sim, user);
  const res = await cal.events.watch({
    calendarId: "primary",
    requestBody: {
      id: opts.id ?? channelId(),
      type: "web_hook",
      address: opts.address ?? receiver.url,
      ...(opts.token !== undefined ? { token: opts.token } : {}),
      ...(opts.ttl !== undefined ? { params: { ttl: String(opts.ttl) } } : {}),
    },
  });
  return { cal, channel: res.data };
}

describe("Calendar push notifications (events.watch web_hook channels)", () => {
  it("sends sync #1 first, then exists with increasing non-consecutive numbers, Google's headers and an empty body", async () => {
    const { cal, channel } = await watch(ALICE, { token: "secret-token-1" });
    expect(channel.kind).toBe("api#channel");
    expect(channel.resourceId).toBeTruthy();
    expect(channel.resourceUri).toContain("/calendar/v3/calendars/primary/events");
    expect(Number(channel.expiration)).toBeGreaterThan(Date.now());
    await receiver.waitFor(1);
    const sync = receiver.received[0]!;
    expect(sync.headers["x-goog-resource-state"]).toBe("sync");
    expect(sync.headers["x-goog-message-number"]).toBe("1");

    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(2);
    await sleep(60);
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(3);
    const [, e1, e2] = receiver.received;
    for (const r of [e1!, e2!]) {
      expect(r.headers["x-goog-resource-state"]).toBe("exists");
      expect(r.headers["x-goog-channel-id"]).toBe(channel.id);
      expect(r.headers["x-goog-resource-id"]).toBe(channel.resourceId);
      expect(r.headers["x-goog-resource-uri"]).toBe(channel.resourceUri);
      expect(r.headers["x-goog-channel-token"]).toBe("secret-token-1");
      expect(new Date(String(r.headers["x-goog-channel-expiration"])).getTime()).toBe(
        Math.floor(Number(channel.expiration) / 1000) * 1000,
      );
      expect(r.headers["x-goog-channel-expiration"]).toMatch(/GMT$/);
      expect(r.body).toBe("");
    }
    const nums = receiver.numbers();
    expect(nums[1]!).toBeGreaterThan(nums[0]! + 1);
    expect(nums[2]!).toBeGreaterThan(nums[1]! + 1);
  });

  it("omits X-Goog-Channel-Token when the channel has no token", async () => {
    const { cal } = await watch();
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(2);
    expect(receiver.received.every((r) => r.headers["x-goog-channel-token"] === undefined)).toBe(true);
  });

  it("coalesces several changes close together into fewer notifications", async () => {
    const { cal } = await watch();
    await receiver.waitFor(1);
    await Promise.all(
      Array.from({ length: 6 }, () => cal.events.insert({ calendarId: "primary", requestBody: eventBody() })),
    );
    await sim.control.calendar.drainNotifications();
    const exists = receiver.states().filter((s) => s === "exists");
    expect(exists.length).toBeGreaterThanOrEqual(1);
    expect(exists.length).toBeLessThan(6);
  });

  it("delivers to both channels during a renewal overlap (same resourceId, different ids)", async () => {
    const old = await watch();
    const renewed = await watch();
    expect(renewed.channel.resourceId).toBe(old.channel.resourceId);
    expect(renewed.channel.id).not.toBe(old.channel.id);
    await receiver.waitFor(2);
    await old.cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(4);
    const existsBy = receiver.received
      .filter((r) => r.headers["x-goog-resource-state"] === "exists")
      .map((r) => r.headers["x-goog-channel-id"]);
    expect(new Set(existsBy)).toEqual(new Set([old.channel.id, renewed.channel.id]));
  });

  it("stops a channel only for its creator and client (404 otherwise); nothing arrives after channels.stop", async () => {
    const { cal, channel } = await watch();
    await receiver.waitFor(1);
    const bob = calendarClient(sim, BOB);
    const notMine = await googleError(
      bob.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } }),
    );
    expect(notMine.status).toBe(404);
    const wrongResource = await googleError(
      cal.channels.stop({ requestBody: { id: channel.id!, resourceId: "nope" } }),
    );
    expect(wrongResource.status).toBe(404);
    const stopped = await cal.channels.stop({
      requestBody: { id: channel.id!, resourceId: channel.resourceId! },
    });
    expect(stopped.status).toBe(204);
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await sleep(100);
    await sim.control.calendar.drainNotifications();
    expect(receiver.states()).toEqual(["sync"]);
    expect(
      (
        await googleError(
          cal.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } }),
        )
      ).status,
    ).toBe(404);
  });

  it("delivers nothing after the channel expires by the sim clock (params.ttl)", async () => {
    const { cal, channel } = await watch(ALICE, { ttl: 60 });
    const now = sim.control.now().getTime();
    expect(Number(channel.expiration)).toBeGreaterThanOrEqual(now + 59_000);
    expect(Number(channel.expiration)).toBeLessThanOrEqual(now + 60_000);
    await receiver.waitFor(1);
    sim.control.advanceClock({ minutes: 2 });
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await sleep(80);
    await sim.control.calendar.drainNotifications();
    expect(receiver.states()).toEqual(["sync"]);
    expect(sim.control.calendar.channels().some((c) => c.id === channel.id)).toBe(false);
  });

  it("retries a 503 with backoff but not a 404", async () => {
    const { cal, channel } = await watch();
    await receiver.waitFor(1);
    let calls = 0;
    receiver.respond = () => (++calls <= 2 ? 503 : 200);
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(4);
    const retried = receiver.received.slice(1);
    expect(new Set(retried.map((r) => r.headers["x-goog-message-number"])).size).toBe(1);
    expect(retried[1]!.at - retried[0]!.at).toBeGreaterThanOrEqual(8);
    expect(retried[2]!.at - retried[1]!.at).toBeGreaterThan(retried[1]!.at - retried[0]!.at);

    receiver.respond = () => 404;
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(5);
    await sleep(100);
    await sim.control.calendar.drainNotifications();
    expect(receiver.received).toHaveLength(5);
    const log = sim.control.calendar.notifications({ channelId: channel.id!, state: "exists" });
    expect(log.map((d) => [d.status, d.attempts])).toEqual([
      [200, 3],
      [404, 1],
    ]);
  });

  it("notifies an attendee's channel when someone else invites, moves or cancels (presence follows other people's changes)", async () => {
    const { channel } = await watch(BOB);
    await receiver.waitFor(1);
    const ev = sim.control.calendar.createEvent(ALICE, {
      ...eventBody("Pricing review"),
      attendees: [{ email: BOB }],
    });
    await receiver.waitFor(2);
    sim.control.calendar.moveEvent(ALICE, String(ev.id), { start: "2032-02-01T10:00:00Z" });
    await receiver.waitFor(3);
    sim.control.calendar.cancelEvent(ALICE, String(ev.id));
    await receiver.waitFor(4);
    expect(receiver.received.every((r) => r.headers["x-goog-channel-id"] === channel.id)).toBe(true);
    const bob = calendarClient(sim, BOB);
    const got = await bob.events.get({ calendarId: "primary", eventId: String(ev.id) });
    expect(got.data.status).toBe("cancelled");
  });

  it("accepts http on loopback only; other http addresses are refused like Google's non-HTTPS check", async () => {
    const cal = calendarClient(sim, ALICE);
    const { status, body } = await googleError(
      cal.events.watch({
        calendarId: "primary",
        requestBody: { id: channelId(), type: "web_hook", address: "http://hooks.example.com/x" },
      }),
    );
    expect(status).toBe(400);
    expect(body.error.errors[0].reason).toBe("push.webhookUrlNotHttps");
  });
});

describe("notification fault injection", () => {
  it("drops, duplicates and delays notifications on request", async () => {
    const { cal, channel } = await watch();
    await receiver.waitFor(1);
    sim.control.calendar.injectNotificationFault({ action: "drop", channelId: channel.id! });
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await sleep(80);
    await sim.control.calendar.drainNotifications();
    expect(receiver.received).toHaveLength(1);

    sim.control.calendar.injectNotificationFault({ action: "duplicate", channelId: channel.id! });
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(3);
    expect(receiver.received[1]!.headers["x-goog-message-number"]).toBe(
      receiver.received[2]!.headers["x-goog-message-number"],
    );

    sim.control.calendar.injectNotificationFault({ action: "delay", channelId: channel.id!, delayMs: 150 });
    const t0 = performance.now();
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(4);
    expect(receiver.received[3]!.at - t0).toBeGreaterThanOrEqual(150);
  });

  it("reorders: a held notification arrives after the next one", async () => {
    const { cal, channel } = await watch();
    await receiver.waitFor(1);
    sim.control.calendar.injectNotificationFault({ action: "reorder", channelId: channel.id! });
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await sleep(60);
    await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
    await receiver.waitFor(3);
    const nums = receiver.numbers();
    expect(nums[1]!).toBeGreaterThan(nums[2]!);
  });

  it("makes the address unreachable (network errors, retried, then given up)", async () => {
    sim.control.calendar.configure({ deliveryMaxAttempts: 3 });
    try {
      const { cal, channel } = await watch();
      await receiver.waitFor(1);
      sim.control.calendar.injectNotificationFault({ action: "unreachable", channelId: channel.id! });
      await cal.events.insert({ calendarId: "primary", requestBody: eventBody() });
      await sleep(60);
      await sim.control.calendar.drainNotifications();
      expect(receiver.received).toHaveLength(1);
      const log = sim.control.calendar.notifications({ channelId: channel.id!, state: "exists" });
      expect(log[0]).toMatchObject({ status: "network-error", attempts: 3 });
    } finally {
      sim.control.calendar.configure({ deliveryMaxAttempts: 5 });
    }
  });

  it("sends a spoofed notification with a wrong token to a live channel's address", async () => {
    const { channel } = await watch(ALICE, { token: "the-real-token" });
    await receiver.waitFor(1);
    const res = await sim.control.calendar.spoofNotification({ channelId: channel.id! });
    expect(res.status).toBe(200);
    const spoof = receiver.received[1]!;
    expect(spoof.headers["x-goog-channel-id"]).toBe(channel.id);
    expect(spoof.headers["x-goog-resource-id"]).toBe(channel.resourceId);
    expect(spoof.headers["x-goog-channel-token"]).not.toBe("the-real-token");
    const missing = await sim.control.calendar.spoofNotification({ channelId: channel.id!, token: null });
    expect(missing.status).toBe(200);
    expect(receiver.received[2]!.headers["x-goog-channel-token"]).toBeUndefined();
  });
});
