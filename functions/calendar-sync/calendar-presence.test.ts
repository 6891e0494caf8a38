// Calendar presence end to end: people act in the simulator's Google Calendar; its watch channels
// notify the bundled webhooks function over HTTP; the notification goes through the Pub/Sub emulator to
// the bundled calendar-sync function, which syncs with the user's token from the vault and writes the
// presence document in the Firestore emulator. The sweep and renewal run as bundled functions (sweep) or
// in-process with the same adapters (renewal, where the test moves time).
import { randomBytes } from "node:crypto";
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { teardownRegistry } from "../../shared/identity/integration-teardown";
import { SECRET } from "../../shared/identity/secret-names";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import {
  CLIENT,
  identity,
  memorySecrets,
  recordingPublisher,
  seedGrant,
  silentLog,
  type TestUser,
  testDeps,
} from "../../shared/identity/test/identity-test-support";
import { newTokenKeyRing } from "../../shared/identity/token-cipher";
import { createHttpHandler } from "../../shared/platform/http";
import { pubsubPublisher } from "../../shared/platform/pubsub";
import { telephonyServiceAuthenticator } from "../../shared/platform/service-token";
import { newChannelToken } from "../../shared/platform/watch-channel-ledger";
import { calendarTeardowns } from "../../shared/presence/calendar-teardown";
import { CALENDAR_WEBHOOK_PATH } from "../../shared/presence/calendar-webhook-routes";
import { CalendarSyncMessage, PresenceSweepTick } from "../../shared/presence/presence-messages";
import type { PresenceDoc } from "../../shared/presence/presence-repository";
import { presenceRoutes, TELEPHONY_SECRET } from "../../shared/presence/presence-routes";
import {
  calendarSyncStatus,
  type PresenceServices,
  presenceServices,
} from "../../shared/presence/presence-services";
import { renewChannels } from "../../shared/presence/presence-workers";
import { startOfDayInZone } from "../../shared/presence/time-zones";
import { freePort } from "../../tools/emulators/emulators";
import type { RunningFunction } from "../../tools/stack/function-process";
import { wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import {
  createTopics,
  pullPublished,
  startFunctionForTest,
  writeSecretsFile,
} from "../../tools/testing/function-harness";
import { serveHandler } from "../../tools/testing/handler-server";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { loadManifest } from "../manifest";

const emulators = useEmulators("presence");
const ORG = "org-acme";
const names = [
  "alice",
  "bob",
  "carol",
  "dan",
  "erin",
  "frank",
  "gina",
  "hank",
  "ivy",
  "jack",
  "kim",
  "lee",
  "mia",
] as const;
type Name = (typeof names)[number];
const U = Object.fromEntries(
  names.map((n) => [n, { userId: `u-${n}`, email: `${n}@acme.test`, role: "user" as const }]),
) as unknown as Record<Name, TestUser>;

let sim: RunningWorkspaceSim;
let webhooks: RunningFunction;
let calendarSyncFn: RunningFunction;
let sweepFn: RunningFunction;
let db: Firestore;
let presence: PresenceServices;
let identityServices: ReturnType<typeof identity>;
const logs: Array<Record<string, unknown>> = [];
const telephonyToken = randomBytes(32).toString("base64url");
const publisher = () => pubsubPublisher(emulators.projectId);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = (name: string) => (line: string) => {
  try {
    logs.push({ fn: name, ...(JSON.parse(line) as Record<string, unknown>) });
  } catch {
    logs.push({ fn: name, text: line });
  }
  if (process.env.SHOW_FUNCTION_LOGS) console.log(`[${name}] ${line}`);
};

const presenceOf = async (u: TestUser) =>
  (await presence.presence().get(ORG, u.userId)) as PresenceDoc | undefined;
const waitFor = (u: TestUser, pred: (p: PresenceDoc) => boolean, timeoutMs?: number) =>
  eventually(async () => {
    const p = await presenceOf(u);
    return p && pred(p) ? p : undefined;
  }, timeoutMs);

const iso = (ms: number) => new Date(ms).toISOString();
const minute = 60_000;
/** Whole minutes, as people create events; `offsetMin` from the minute the test started in. */
let base = 0;
const at = (offsetMin: number) => base + offsetMin * minute;
beforeEach(() => {
  base = Math.floor(Date.now() / minute) * minute;
});

async function connect(u: TestUser) {
  await seedGrant(identityServices, sim, u, { integrations: ["calendar"] });
  await publisher().publish(
    CalendarSyncMessage,
    {
      orgId: ORG,
      userId: u.userId,
      action: "connect",
      reason: "connect",
      requestedAt: new Date().toISOString(),
    },
    { orderingKey: `${ORG}/${u.userId}` },
  );
  await eventually(async () => {
    const live = await presence.ledger().live("calendar", { orgId: ORG, userId: u.userId });
    return live.some((c) => c.status === "active") ? true : undefined;
  });
  await waitFor(u, () => true);
}

function createEvent(u: TestUser, body: Record<string, unknown>) {
  return sim.control.calendar.createEvent(u.email, body) as { id: string };
}

beforeAll(async () => {
  const seedUser = (n: Name) => ({ email: `${n}@acme.test`, givenName: n, familyName: "Acme" });
  sim = await startWorkspaceSim({
    seed: {
      domain: "acme.test",
      users: names.map(seedUser),
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/oauth/google/callback"] }],
    },
    saml: false,
  });
  const keyRing = newTokenKeyRing("test-1");
  const secretValues = {
    [SECRET.tokenEncryptionKeys]: keyRing,
    [SECRET.oauthClientSecret]: CLIENT.clientSecret,
    [SECRET.sessionSigningKeys]: await newSigningKeyRing(),
    [TELEPHONY_SECRET]: telephonyToken,
  };
  const secretsFile = await writeSecretsFile(secretValues);
  const secrets = memorySecrets(secretValues);
  db = new Firestore({ projectId: emulators.projectId });
  identityServices = identity(
    testDeps(sim, { projectId: emulators.projectId, secrets, publisher: recordingPublisher(), db }),
  );
  const webhooksPort = await freePort();
  const webhooksUrl = `http://127.0.0.1:${webhooksPort}`;
  const env = {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
    GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
    PUBLIC_WEBHOOKS_URL: webhooksUrl,
    LOG_LEVEL: "DEBUG",
  };
  [webhooks, calendarSyncFn, sweepFn] = await Promise.all([
    startFunctionForTest("webhooks", emulators, env, webhooksPort),
    startFunctionForTest("calendar-sync", emulators, env),
    startFunctionForTest("presence-sweep", emulators, env),
  ]);
  void collect;
  const manifest = loadManifest();
  const wired = manifest.functions.filter((f) => f.name === "calendar-sync" || f.name === "presence-sweep");
  await wirePubSub(
    { functions: wired },
    {
      projectId: emulators.projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: (fn) => (fn.name === "calendar-sync" ? calendarSyncFn.url : sweepFn.url),
    },
  );
  // Pull subscriptions to see what was published (calendar-sync requests, presence changes).
  await createTopics(emulators, ["calendar-sync", "presence-changed"]);
  presence = presenceServices({
    firestore: () => db,
    publisher: publisher(),
    secrets,
    tokens: () => identityServices.tokens(),
    clock: () => new Date(),
    apiRootUrl: `${sim.url}/`,
    webhooksBaseUrl: webhooksUrl,
    log: silentLog,
    retry: { maxAttempts: 2, baseDelayMs: 10, budgetMs: 2000 },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([webhooks?.stop(), calendarSyncFn?.stop(), sweepFn?.stop()]);
  await sim?.stop();
  await db?.terminate();
});

describe("calendar presence through the webhook and Pub/Sub", () => {
  it("connecting runs a full sync and opens a watch channel whose token is stored only hashed", async () => {
    await connect(U.alice);
    const [channel] = await presence.ledger().live("calendar", { orgId: ORG, userId: U.alice.userId });
    expect(channel).toMatchObject({ kind: "calendar", resource: "primary", status: "active" });
    expect(channel!.resourceId).toBeTruthy();
    const simChannel = sim.control.calendar.channels().find((c) => c.id === channel!.id) as
      | { token?: string }
      | undefined;
    expect(simChannel?.token).toBeTruthy();
    expect(channel!.tokenHash).not.toContain(simChannel!.token!);
    expect(JSON.stringify(channel)).not.toContain(simChannel!.token!);
    expect((await presenceOf(U.alice))?.state).toBe("available");
  });

  it("a meeting starting now shows 'in a meeting' until its end; moving shifts it; cancelling clears it", async () => {
    const start = at(0);
    const end = at(30);
    const ev = createEvent(U.alice, {
      summary: "Quarterly planning",
      start: { dateTime: iso(start) },
      end: { dateTime: iso(end) },
    });
    const p = await waitFor(U.alice, (d) => d.state === "in_meeting");
    expect(p.until).toEqual(new Date(end));
    expect(p.source).toEqual({ kind: "calendar", calendarId: "primary", eventId: ev.id });
    expect(p.title).toBeNull(); // default visibility: the title is not stored

    sim.control.calendar.moveEvent(U.alice.email, ev.id, { start: iso(at(-10)), end: iso(at(45)) });
    await waitFor(U.alice, (d) => d.until?.getTime() === at(45));

    sim.control.calendar.cancelEvent(U.alice.email, ev.id);
    const cleared = await waitFor(U.alice, (d) => d.state === "available");
    expect(cleared.until).toBeNull();
  });

  it("declining an invitation clears the meeting from the invitee's presence only", async () => {
    await Promise.all([connect(U.bob), connect(U.carol)]);
    const ev = createEvent(U.bob, {
      summary: "Design review",
      start: { dateTime: iso(at(-5)) },
      end: { dateTime: iso(at(25)) },
      attendees: [{ email: U.carol.email }],
    });
    await waitFor(U.carol, (d) => d.state === "in_meeting" && d.until?.getTime() === at(25));
    await waitFor(U.bob, (d) => d.state === "in_meeting");
    sim.control.calendar.decline(U.carol.email, ev.id);
    await waitFor(U.carol, (d) => d.state === "available");
    expect((await presenceOf(U.bob))?.state).toBe("in_meeting");
  });

  it("a meeting ends on time through the sweep alone, with no notification", async () => {
    await connect(U.dan);
    const end = Math.ceil((Date.now() + 2500) / 1000) * 1000; // Calendar keeps whole seconds
    createEvent(U.dan, { summary: "Short", start: { dateTime: iso(at(-5)) }, end: { dateTime: iso(end) } });
    const p = await waitFor(U.dan, (d) => d.state === "in_meeting");
    expect(p.nextTransitionAt).toEqual(new Date(end));
    await sleep(Math.max(0, end - Date.now()) + 200);
    const notificationsBefore = sim.control.calendar.notifications().length;
    expect((await presenceOf(U.dan))?.state).toBe("in_meeting"); // nothing has told us yet
    await publisher().publish(PresenceSweepTick, {
      function: "presence-sweep",
      schedule: "* * * * *",
      timeZone: "Etc/UTC",
    });
    const after = await waitFor(U.dan, (d) => d.state === "available");
    expect(after.nextTransitionAt).toBeNull();
    expect(sim.control.calendar.notifications().length).toBe(notificationsBefore);
  });

  it("stores the title of a public meeting only; private meetings show state and until without title", async () => {
    await Promise.all([connect(U.erin), connect(U.frank)]);
    createEvent(U.erin, {
      summary: "Launch review",
      visibility: "public",
      start: { dateTime: iso(at(-5)) },
      end: { dateTime: iso(at(20)) },
    });
    createEvent(U.frank, {
      summary: "Doctor appointment",
      visibility: "private",
      start: { dateTime: iso(at(-5)) },
      end: { dateTime: iso(at(20)) },
    });
    const erin = await waitFor(U.erin, (d) => d.state === "in_meeting");
    const frank = await waitFor(U.frank, (d) => d.state === "in_meeting");
    expect(erin.title).toBe("Launch review");
    expect(frank.title).toBeNull();
    // The private title is nowhere in what we stored about frank.
    const stored = await db.collection(`orgs/${ORG}/users/${U.frank.userId}/calendarEvents`).get();
    expect(JSON.stringify(stored.docs.map((d) => d.data()))).not.toContain("Doctor");

    // Viewer-aware API: a colleague sees the public title, an outsider none, nobody sees the private one.
    const handler = createHttpHandler(presenceRoutes({ presence: presence.presence() }), {
      maxBodyBytes: 64 * 1024,
      authenticateService: telephonyServiceAuthenticator(() =>
        memorySecrets({ [TELEPHONY_SECRET]: telephonyToken }),
      ),
      log: silentLog,
      authenticate: async (req) => {
        const [orgId, userId] = String(req.headers["x-test-principal"]).split("/");
        return { orgId: orgId!, userId: userId!, email: "", role: "user", sessionId: "s" };
      },
    });
    const server = await serveHandler(handler);
    const get = async (principal: string) => {
      const res = await server.call(
        "GET",
        `/v1/presence?users=${ORG}/${U.erin.userId},${ORG}/${U.frank.userId}`,
        {
          "x-test-principal": principal,
        },
      );
      return res.body.presence as Array<Record<string, unknown>>;
    };
    const colleague = await get(`${ORG}/${U.alice.userId}`);
    expect(colleague[0]).toMatchObject({ state: "in_meeting", title: "Launch review", until: iso(at(20)) });
    expect(colleague[1]).toMatchObject({ state: "in_meeting", until: iso(at(20)) });
    expect(colleague[1]).not.toHaveProperty("title");
    const outsider = await get("org-globex/u-gina");
    expect(outsider[0]).toEqual({
      orgId: ORG,
      userId: U.erin.userId,
      state: "busy",
      reason: "busy",
      until: null,
    });
    expect(outsider[1]).toEqual({
      orgId: ORG,
      userId: U.frank.userId,
      state: "busy",
      reason: "busy",
      until: null,
    });
    await server.close();
  });

  it("understands out of office, focus time, tentative (org setting) and back-to-back meetings", async () => {
    await Promise.all([connect(U.gina), connect(U.hank), connect(U.ivy)]);
    // gina: all-day OOO today (her calendar is in UTC) over a focus block: OOO wins.
    // The user's day, in their calendar's zone (the simulator's default is not UTC).
    const tz = (await presence.store().state(ORG, U.gina.userId))!.timeZone;
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(new Date());
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    createEvent(U.gina, {
      summary: "Vacation",
      eventType: "outOfOffice",
      start: { date: today },
      end: { date: tomorrow },
    });
    createEvent(U.gina, {
      summary: "Deep work",
      eventType: "focusTime",
      start: { dateTime: iso(at(-10)) },
      end: { dateTime: iso(at(60)) },
    });
    const gina = await waitFor(U.gina, (d) => d.state === "out_of_office");
    expect(gina.until?.getTime()).toBe(startOfDayInZone(tomorrow, tz));

    // hank: focus time only, then back-to-back meetings over it.
    createEvent(U.hank, {
      summary: "Deep work",
      eventType: "focusTime",
      start: { dateTime: iso(at(-10)) },
      end: { dateTime: iso(at(120)) },
    });
    await waitFor(U.hank, (d) => d.state === "focus" && d.until?.getTime() === at(120));
    createEvent(U.hank, { summary: "A", start: { dateTime: iso(at(-1)) }, end: { dateTime: iso(at(30)) } });
    createEvent(U.hank, { summary: "B", start: { dateTime: iso(at(30)) }, end: { dateTime: iso(at(60)) } });
    await waitFor(U.hank, (d) => d.state === "in_meeting" && d.until?.getTime() === at(60));

    // ivy: a tentative meeting does not count until the org says it does.
    createEvent(U.ivy, {
      summary: "Maybe",
      status: "tentative",
      start: { dateTime: iso(at(-1)) },
      end: { dateTime: iso(at(30)) },
    });
    await sleep(1500);
    expect((await presenceOf(U.ivy))?.state).toBe("available");
    await db.doc(`orgs/${ORG}`).set({ settings: { presence: { tentativeCounts: true } } }, { merge: true });
    await presence.presence().recompute(ORG, U.ivy.userId);
    expect((await presenceOf(U.ivy))?.state).toBe("in_meeting");
    await db.doc(`orgs/${ORG}`).set({ settings: { presence: { tentativeCounts: false } } }, { merge: true });
  });

  it("keeps a manual DND through a meeting, and shows the meeting once DND is cleared", async () => {
    await connect(U.jack);
    await presence.presence().recompute(ORG, U.jack.userId, (cur) => ({
      manual: { state: "dnd", until: null, setAt: new Date() },
      call: cur.call,
      callReportedAt: cur.callReportedAt,
    }));
    createEvent(U.jack, {
      summary: "Standup",
      start: { dateTime: iso(at(-1)) },
      end: { dateTime: iso(at(15)) },
    });
    // The sync ran (its event is stored) and the DND stayed.
    await eventually(async () => {
      const docs = await db.collection(`orgs/${ORG}/users/${U.jack.userId}/calendarEvents`).get();
      return docs.size > 0 ? true : undefined;
    });
    await sleep(300);
    expect((await presenceOf(U.jack))?.state).toBe("dnd");
    await presence.presence().recompute(ORG, U.jack.userId, (cur) => ({
      manual: null,
      call: cur.call,
      callReportedAt: cur.callReportedAt,
    }));
    expect((await presenceOf(U.jack))?.state).toBe("in_meeting");
  });
});

describe("webhook defences", () => {
  async function post(headers: Record<string, string>) {
    const res = await fetch(`${webhooks.url}${CALENDAR_WEBHOOK_PATH}`, { method: "POST", headers });
    return res.status;
  }

  it("refuses a wrong token, acknowledges an unknown channel, refuses a wrong resource: nothing is enqueued", async () => {
    await connect(U.kim);
    await pullPublished(emulators, "calendar-sync");
    const [channel] = await presence.ledger().live("calendar", { orgId: ORG, userId: U.kim.userId });
    const before = await presenceOf(U.kim);

    // Wrong token and no token, from the simulator's spoofing tool; an unknown channel id likewise.
    const wrong = await sim.control.calendar.spoofNotification({
      channelId: channel!.id,
      token: "not-the-token",
    });
    const none = await sim.control.calendar.spoofNotification({ channelId: channel!.id, token: null });
    expect([wrong.status, none.status]).toEqual([403, 403]);
    const unknown = await sim.control.calendar.spoofNotification({
      address: `${webhooks.url}${CALENDAR_WEBHOOK_PATH}`,
    });
    expect(unknown.status).toBe(200);

    // Unknown channel: acknowledged, nothing to do.
    expect(
      await post({
        "x-goog-channel-id": "sb-cal-unknown",
        "x-goog-channel-token": "x",
        "x-goog-resource-id": channel!.resourceId!,
        "x-goog-resource-state": "exists",
        "x-goog-message-number": "7",
      }),
    ).toBe(200);

    // A channel whose token we know (opened through the ledger by hand), notified with a wrong resource id.
    const token = newChannelToken();
    await presence.ledger().recordOpening({
      kind: "calendar",
      id: "sb-cal-known",
      token,
      orgId: ORG,
      userId: U.kim.userId,
      resource: "primary",
      expiresAt: new Date(Date.now() + 3600_000),
      now: new Date(),
    });
    await presence.ledger().markActive("sb-cal-known", "resource-1", new Date(Date.now() + 3600_000));
    const headers = (over: Record<string, string>) => ({
      "x-goog-channel-id": "sb-cal-known",
      "x-goog-channel-token": token,
      "x-goog-resource-id": "resource-1",
      "x-goog-resource-state": "exists",
      "x-goog-message-number": "11",
      ...over,
    });
    expect(await post(headers({ "x-goog-resource-id": "resource-2" }))).toBe(403);
    expect(await post(headers({ "x-goog-channel-token": `${token}x` }))).toBe(403);
    expect(await post({ "x-goog-resource-state": "exists" })).toBe(400);
    await sleep(500);
    expect(await pullPublished(emulators, "calendar-sync")).toEqual([]);
    expect((await presenceOf(U.kim))?.version).toBe(before?.version);

    // The genuine one: sync is acknowledged without a request, exists enqueues exactly one per number.
    expect(await post(headers({ "x-goog-resource-state": "sync", "x-goog-message-number": "1" }))).toBe(200);
    expect(await post(headers({}))).toBe(200);
    expect(await post(headers({}))).toBe(200);
    const published = await eventually(async () => {
      const got = await pullPublished(emulators, "calendar-sync");
      return got.length > 0 ? got : undefined;
    });
    expect(published).toEqual([
      expect.objectContaining({
        userId: U.kim.userId,
        action: "sync",
        channelId: "sb-cal-known",
        messageNumber: "11",
      }),
    ]);

    // A stopped channel that still notifies (valid token) is acknowledged and stopped at Google once.
    const stoppedToken = newChannelToken();
    await presence.ledger().recordOpening({
      kind: "calendar",
      id: "sb-cal-stopped",
      token: stoppedToken,
      orgId: ORG,
      userId: U.kim.userId,
      resource: "primary",
      expiresAt: new Date(Date.now() + 3600_000),
      now: new Date(),
    });
    await presence.ledger().markActive("sb-cal-stopped", "resource-9", new Date(Date.now() + 3600_000));
    await presence.ledger().markStopped("sb-cal-stopped", new Date());
    const stopped = (n: string) =>
      headers({
        "x-goog-channel-id": "sb-cal-stopped",
        "x-goog-channel-token": stoppedToken,
        "x-goog-resource-id": "resource-9",
        "x-goog-message-number": n,
      });
    expect(await post(stopped("12"))).toBe(200);
    expect(await post(stopped("13"))).toBe(200);
    const stops = await eventually(async () => {
      const got = await pullPublished(emulators, "calendar-sync");
      return got.length > 0 ? got : undefined;
    });
    expect(stops).toEqual([expect.objectContaining({ action: "stop-channel", channelId: "sb-cal-stopped" })]);
  });

  it("duplicated, reordered and dropped notifications converge on the calendar's state", async () => {
    await connect(U.lee);
    const [channel] = await presence.ledger().live("calendar", { orgId: ORG, userId: U.lee.userId });
    sim.control.calendar.injectNotificationFault({ action: "duplicate", channelId: channel!.id, times: 3 });
    const a = createEvent(U.lee, {
      summary: "A",
      start: { dateTime: iso(at(-1)) },
      end: { dateTime: iso(at(20)) },
    });
    await waitFor(U.lee, (d) => d.state === "in_meeting");
    await sim.control.calendar.drainNotifications();

    sim.control.calendar.injectNotificationFault({ action: "drop", channelId: channel!.id, times: 1 });
    sim.control.calendar.cancelEvent(U.lee.email, a.id);
    await sleep(1500);
    expect((await presenceOf(U.lee))?.state).toBe("in_meeting"); // the drop hid the change...

    sim.control.calendar.injectNotificationFault({ action: "reorder", channelId: channel!.id, times: 1 });
    const b = createEvent(U.lee, {
      summary: "B",
      start: { dateTime: iso(at(-1)) },
      end: { dateTime: iso(at(40)) },
    });
    sim.control.calendar.moveEvent(U.lee.email, b.id, { start: iso(at(-1)), end: iso(at(50)) });
    // ...until the next notification's sync, which sees every change since the token.
    await waitFor(U.lee, (d) => d.state === "in_meeting" && d.until?.getTime() === at(50));
    const stored = await db.collection(`orgs/${ORG}/users/${U.lee.userId}/calendarEvents`).get();
    expect(stored.docs.map((d) => d.get("eventId"))).toEqual([b.id]);
  });
});

describe("sync tokens and channels over time", () => {
  it("recovers from a 410 with a full sync that removes what vanished", async () => {
    const u = U.alice;
    const keep = createEvent(u, {
      summary: "Keep",
      start: { dateTime: iso(at(-1)) },
      end: { dateTime: iso(at(10)) },
    });
    const gone = createEvent(u, {
      summary: "Gone",
      start: { dateTime: iso(at(60)) },
      end: { dateTime: iso(at(90)) },
    });
    await eventually(async () => {
      const docs = await db.collection(`orgs/${ORG}/users/${u.userId}/calendarEvents`).get();
      return docs.docs.some((d) => d.get("eventId") === gone.id) ? true : undefined;
    });
    sim.control.calendar.invalidateSyncTokens(u.email);
    sim.control.calendar.cancelEvent(u.email, gone.id);
    await eventually(async () => {
      const docs = await db.collection(`orgs/${ORG}/users/${u.userId}/calendarEvents`).get();
      return docs.docs.some((d) => d.get("eventId") === gone.id) ? undefined : true;
    });
    expect(sim.control.requests({ api: "calendar", status: 410 }).length).toBeGreaterThan(0);
    const docs = await db.collection(`orgs/${ORG}/users/${u.userId}/calendarEvents`).get();
    expect(docs.docs.map((d) => d.get("eventId"))).toContain(keep.id);
    await waitFor(u, (d) => d.state === "in_meeting" && d.until?.getTime() === at(10));
  });

  it("renews a channel by opening the new one before stopping the old; both are accepted meanwhile", async () => {
    const u = U.bob;
    const [old] = await presence.ledger().live("calendar", { orgId: ORG, userId: u.userId });
    // Overlap: a second channel on the same calendar, as renewal opens it, before the old one stops.
    const fresh = await presence.sync().openChannel({ orgId: ORG, userId: u.userId }, "primary");
    expect(fresh.resourceId).toBe(old!.resourceId);
    sim.control.calendar.clearNotifications();
    createEvent(u, {
      summary: "Overlap",
      start: { dateTime: iso(at(100)) },
      end: { dateTime: iso(at(110)) },
    });
    await sim.control.calendar.drainNotifications();
    await eventually(async () => {
      const n = sim.control.calendar.notifications({ state: "exists" });
      const ok = (id: string) =>
        n.some((r) => r.channelId === id && (r as { status?: number }).status === 200);
      return ok(old!.id) && ok(fresh.id) ? true : undefined;
    });
    await presence.sync().stopChannel(fresh);

    // The renewal job, run as if six and a half days had passed: the old channel is within a day of expiry.
    const later = presenceServices({
      ...presence.deps,
      clock: () => new Date(Date.now() + 6.5 * 86_400_000),
    });
    const report = await renewChannels(later, new Date(Date.now() + 6.5 * 86_400_000), silentLog);
    expect(report).toMatchObject({ duplicate: false });
    const renewed = await presence.ledger().get(old!.id);
    expect(renewed).toMatchObject({ status: "stopped" });
    const live = await presence.ledger().live("calendar", { orgId: ORG, userId: u.userId });
    expect(live).toHaveLength(1);
    expect(renewed!.replacedBy).toBe(live[0]!.id);
    expect(sim.control.calendar.channels().map((c) => c.id)).not.toContain(old!.id);
    // Changes still arrive, through the new channel.
    const after = createEvent(u, {
      summary: "After",
      start: { dateTime: iso(at(200)) },
      end: { dateTime: iso(at(207)) },
    });
    await eventually(async () => {
      const docs = await db.collection(`orgs/${ORG}/users/${u.userId}/calendarEvents`).get();
      return docs.docs.some((d) => d.get("eventId") === after.id) ? true : undefined;
    });
    // The simulator records a push's status when our answer arrives, which can be after the sync it
    // started has already written the event.
    const deliveredToNewChannel = await eventually(async () =>
      sim.control.calendar
        .notifications({ state: "exists" })
        .some((n) => n.status === 200 && n.channelId === live[0]!.id)
        ? true
        : undefined,
    );
    expect(deliveredToNewChannel).toBe(true);
  });

  it("falls back to polling when renewal fails, and the sweep keeps presence current", async () => {
    const u = U.carol;
    const [old] = await presence.ledger().live("calendar", { orgId: ORG, userId: u.userId });
    sim.control.injectFault({ method: "calendar.events.watch", user: u.email, fail: "503", times: 10 });
    const later = presenceServices({
      ...presence.deps,
      clock: () => new Date(Date.now() + 6.8 * 86_400_000),
    });
    const report = await renewChannels(later, new Date(Date.now() + 7.8 * 86_400_000), silentLog);
    expect(report).toMatchObject({ polling: 1 });
    sim.control.clearFaults();
    const state = await presence.store().state(ORG, u.userId);
    expect(state).toMatchObject({ mode: "polling", modeReason: "channel_renewal_failed" });
    // The old channel is gone at Google (as if expired): only polling can see changes now.
    await presence.sync().stopChannel(old!);
    await presence.store().saveState({ ...state!, lastSyncAt: new Date(Date.now() - 5 * minute) });
    createEvent(u, { summary: "Polled", start: { dateTime: iso(at(-1)) }, end: { dateTime: iso(at(12)) } });
    await publisher().publish(PresenceSweepTick, {
      function: "presence-sweep",
      schedule: "* * * * *",
      timeZone: "Etc/UTC",
    });
    // The polled sync queues behind the failed renewal's own requests for this user (one ordering key).
    await waitFor(u, (d) => d.state === "in_meeting" && d.until?.getTime() === at(12), 80_000);
  }, 90_000);

  it("shows the polling fallback in the integration's sync status", async () => {
    const status = await calendarSyncStatus(() => presence)({ orgId: ORG, userId: U.carol.userId });
    expect(status).toMatchObject({ mode: "polling", reason: "channel_renewal_failed" });
    expect(await calendarSyncStatus(() => presence)({ orgId: ORG, userId: U.alice.userId })).toMatchObject({
      mode: "push",
      reason: null,
    });
  });

  it("the sweep connects a user who just granted Calendar: full sync and a watch channel", async () => {
    await seedGrant(identityServices, sim, U.mia, { integrations: ["calendar"] });
    await publisher().publish(PresenceSweepTick, {
      function: "presence-sweep",
      schedule: "* * * * *",
      timeZone: "Etc/UTC",
    });
    await eventually(async () => {
      const live = await presence.ledger().live("calendar", { orgId: ORG, userId: U.mia.userId });
      return live.some((c) => c.status === "active") ? true : undefined;
    });
    expect(await presence.store().state(ORG, U.mia.userId)).toMatchObject({ mode: "push" });
  });

  it("disconnecting stops the user's channels at Google and deletes the stored events", async () => {
    const u = U.lee;
    const live = await presence.ledger().live("calendar", { orgId: ORG, userId: u.userId });
    expect(live.length).toBeGreaterThan(0);
    const registry = teardownRegistry(calendarTeardowns(() => presence));
    await registry.disconnect({ orgId: ORG, userId: u.userId }, ["calendar"], async () => undefined);
    expect(await presence.ledger().live("calendar", { orgId: ORG, userId: u.userId })).toEqual([]);
    const simIds = sim.control.calendar.channels().map((c) => c.id);
    for (const c of live) expect(simIds).not.toContain(c.id);
    expect((await db.collection(`orgs/${ORG}/users/${u.userId}/calendarEvents`).get()).size).toBe(0);
  });
});
