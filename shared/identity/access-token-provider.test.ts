// getAccessToken against the Workspace simulator and the Firestore and Pub/Sub emulators: cached tokens,
// one refresh for many concurrent callers across instances, recovery from a refresh-token race, and a
// truly dead token becoming needs_reauth with an event.
import { Firestore } from "@google-cloud/firestore";
import type { Message } from "@google-cloud/pubsub";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pubsubClient } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { pubsubPublisher } from "../platform/pubsub";
import type { SecretStore } from "../platform/secrets";
import { type GoogleOAuth, googleOAuth } from "./google-oauth";
import { keyOf } from "./grant-repository";
import { GRANT_STATUS_CHANGED_TOPIC } from "./grant-status-changed";
import { IDENTITY_SCOPES, INTEGRATIONS } from "./integrations";
import {
  CLIENT,
  identity,
  ORG,
  recordingPublisher,
  seedGrant,
  startSim,
  testDeps,
  testSecrets,
  USERS,
} from "./test/identity-test-support";

const emulators = useEmulators("tokens");
let sim: RunningWorkspaceSim;
let secrets: SecretStore;
const clients: Firestore[] = [];

beforeAll(async () => {
  sim = await startSim();
  secrets = await testSecrets();
});
afterAll(async () => {
  await sim?.stop();
  await Promise.all(clients.map((c) => c.terminate()));
});
beforeEach(() => {
  sim.control.clearFaults();
  sim.control.clearRequestLog();
});

/** A provider as one function instance has it: its own Firestore client and lease owner name. */
function instance(
  name: string,
  overrides: { publisher?: ReturnType<typeof recordingPublisher>; oauth?: GoogleOAuth } = {},
) {
  const db = new Firestore({ projectId: emulators.projectId });
  clients.push(db);
  const deps = testDeps(sim, {
    projectId: emulators.projectId,
    secrets,
    publisher: overrides.publisher ?? recordingPublisher(),
    db,
    instanceId: name,
  });
  return identity({ ...deps, ...(overrides.oauth ? { oauth: overrides.oauth } : {}) });
}

const tokenCalls = (status?: number) =>
  sim.control.requestCount({ method: "oauth.token", ...(status ? { status } : {}) });

describe("access token provider", () => {
  it("returns the cached access token while it has more than 5 minutes left, without calling Google", async () => {
    const a = instance("a");
    await seedGrant(a, sim, USERS.alice, { integrations: ["contacts"], expiresInMs: 6 * 60_000 });
    const token = await a.tokens().getAccessToken({ orgId: ORG, userId: USERS.alice.userId }, "contacts");
    expect(token.token).toMatch(/^ya29\./);
    expect(tokenCalls()).toBe(0);
  });

  it("refreshes once for 100 concurrent callers across two instances, each with its own Firestore client", async () => {
    const [a, b] = [instance("instance-a"), instance("instance-b")];
    const { grant } = await seedGrant(a, sim, USERS.bob, {
      integrations: ["contacts"],
      expiresInMs: 4 * 60_000,
    });
    // A slow token endpoint widens the race: both instances ask while the refresh is in flight.
    sim.control.injectFault({ api: "oauth", method: "oauth.token", latencyMs: 300 });
    const user = { orgId: ORG, userId: USERS.bob.userId };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).tokens().getAccessToken(user, "contacts")),
    );
    expect(tokenCalls()).toBe(1);
    expect(new Set(results.map((r) => r.token)).size).toBe(1);
    const stored = await a.grants().get(keyOf(grant));
    expect(stored?.accessTokenExpiresAt?.getTime()).toBeGreaterThan(
      sim.control.now().getTime() + 50 * 60_000,
    );
    expect(stored?.version).toBe(1); // access tokens do not bump the refresh-token version
  });

  it("recovers when another writer rotated the refresh token meanwhile: re-reads, retries, stays connected", async () => {
    const publisher = recordingPublisher();
    const real = googleOAuth({
      baseUrl: `${sim.url}/`,
      clientId: CLIENT.clientId,
      redirectUri: "http://127.0.0.1:9/oauth/google/callback",
      clientSecret: async () => CLIENT.clientSecret,
    });
    let rotated = false;
    let services!: ReturnType<typeof instance>;
    // Just before this instance's refresh reaches Google, another writer (a reconnect on another
    // instance) stores a new refresh token; Google keeps one live token, so ours is now dead.
    const racing: GoogleOAuth = {
      ...real,
      clientId: real.clientId,
      async refresh(refreshToken) {
        if (!rotated) {
          rotated = true;
          sim.control.configure({ oauth: { maxRefreshTokensPerClient: 1 } });
          const fresh = sim.control.issueTokens({
            user: USERS.dave.email,
            clientId: CLIENT.clientId,
            scopes: [...IDENTITY_SCOPES, ...INTEGRATIONS.contacts.scopes],
          });
          const key = { orgId: ORG, userId: USERS.dave.userId, grantId: grant.grantId };
          const sealed = await services
            .cipher()
            .seal(fresh.refresh_token!, { ...key, field: "refresh_token" });
          await services
            .grants()
            .mutate(key, (g) =>
              g ? { write: { ...g, refreshToken: sealed, version: g.version + 1 } } : undefined,
            );
        }
        return real.refresh(refreshToken);
      },
    };
    services = instance("racer", { publisher, oauth: racing });
    const { grant } = await seedGrant(services, sim, USERS.dave, {
      integrations: ["contacts"],
      expiresInMs: -1,
    });
    try {
      const token = await services
        .tokens()
        .getAccessToken({ orgId: ORG, userId: USERS.dave.userId }, "contacts");
      expect(token.token).toMatch(/^ya29\./);
    } finally {
      sim.control.configure({ oauth: { maxRefreshTokensPerClient: 100 } });
    }
    expect(tokenCalls(400)).toBe(1); // the old token's invalid_grant
    expect(tokenCalls(200)).toBe(1); // the retry with the new one
    const stored = await services.grants().get(keyOf(grant));
    expect(stored).toMatchObject({ status: "connected", lastError: null, version: 2 });
    expect(publisher.messages).toEqual([]);
  });

  it("marks a truly dead grant needs_reauth, publishes grant-status-changed, and stops calling Google", async () => {
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    const [topic] = await pubsub.createTopic(GRANT_STATUS_CHANGED_TOPIC);
    const [subscription] = await topic.createSubscription("grant-status-test");
    const received = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no grant-status-changed message")), 15_000);
      subscription.on("message", (message: Message) => {
        message.ack();
        clearTimeout(timer);
        resolve(JSON.parse(message.data.toString("utf8")) as Record<string, unknown>);
      });
    });
    try {
      const db = new Firestore({ projectId: emulators.projectId });
      clients.push(db);
      const services = identity(
        testDeps(sim, {
          projectId: emulators.projectId,
          secrets,
          db,
          publisher: pubsubPublisher(emulators.projectId),
        }),
      );
      const { grant } = await seedGrant(services, sim, USERS.erin, {
        integrations: ["contacts", "calendar"],
        expiresInMs: -1,
      });
      sim.control.revokeGrant(USERS.erin.email, CLIENT.clientId); // the user removed the app at Google
      sim.control.advanceClock(sim.control.settings().oauth.revocationLagMs); // revocation takes a while
      const user = { orgId: ORG, userId: USERS.erin.userId };
      await expect(services.tokens().getAccessToken(user, "contacts")).rejects.toMatchObject({
        code: "precondition_failed",
        retryable: false,
        details: { reason: "needs_reauth" },
      });
      const stored = await services.grants().get(keyOf(grant));
      expect(stored).toMatchObject({ status: "needs_reauth", accessToken: null, version: 2 });
      expect(stored?.lastError).toMatch(/invalid_grant/);
      expect(await received).toMatchObject({
        orgId: ORG,
        userId: USERS.erin.userId,
        grantId: grant.grantId,
        status: "needs_reauth",
        reason: "invalid_grant",
        integrations: ["calendar", "contacts"],
      });
      // Every later caller is refused from the stored status, without another token request.
      await expect(services.tokens().getAccessToken(user, "calendar")).rejects.toMatchObject({
        details: { reason: "needs_reauth" },
      });
      expect(tokenCalls()).toBe(1);
    } finally {
      await subscription.close();
      await pubsub.close();
    }
  });

  it("refuses an integration whose scopes the grant no longer covers (scope drift → partial)", async () => {
    const services = instance("drift");
    await seedGrant(services, sim, USERS.ada, {
      integrations: ["calendar"],
      scopes: [INTEGRATIONS.calendar.scopes[0]!],
    });
    await expect(
      services.tokens().getAccessToken({ orgId: ORG, userId: USERS.ada.userId }, "calendar"),
    ).rejects.toMatchObject({
      code: "precondition_failed",
      details: { reason: "partial", missingScopes: [INTEGRATIONS.calendar.scopes[1]] },
    });
  });

  it("a token Google refused before its expiry: forgotten once across instances, refreshed once; refused again → needs_reauth", async () => {
    const publisher = recordingPublisher();
    const [a, b] = [instance("refused-a", { publisher }), instance("refused-b", { publisher })];
    const { grant } = await seedGrant(a, sim, USERS.dave, { integrations: ["contacts"] });
    const user = { orgId: ORG, userId: USERS.dave.userId };
    const first = await a.tokens().getAccessToken(user, "contacts");
    // Both instances got 401 with the same token (it died early at Google) and report it at once.
    await Promise.all([a, b].map((s) => s.tokens().tokenRefused(user, "contacts", first.token, false)));
    const renewed = await Promise.all([a, b].map((s) => s.tokens().getAccessToken(user, "contacts")));
    expect(tokenCalls()).toBe(1);
    expect(renewed[0]!.token).toBe(renewed[1]!.token);
    expect(renewed[0]!.token).not.toBe(first.token);
    // A late report about the old token changes nothing; about the renewed one, the grant is dead.
    await b.tokens().tokenRefused(user, "contacts", first.token, false);
    await expect(b.tokens().tokenRefused(user, "contacts", first.token, true)).rejects.toMatchObject({
      code: "conflict",
      retryable: true,
    });
    expect((await a.grants().get(keyOf(grant)))?.status).toBe("connected");
    await expect(a.tokens().tokenRefused(user, "contacts", renewed[0]!.token, true)).rejects.toMatchObject({
      code: "precondition_failed",
      details: { reason: "needs_reauth" },
    });
    expect(await a.grants().get(keyOf(grant))).toMatchObject({
      status: "needs_reauth",
      accessToken: null,
      lastError: "unauthenticated: Google refused a freshly refreshed access token (401)",
    });
    expect(publisher.messages.map((m) => m.payload)).toEqual([
      expect.objectContaining({ status: "needs_reauth", reason: "unauthenticated", grantId: grant.grantId }),
    ]);
    expect(tokenCalls()).toBe(1);
  });

  it("answers not_connected for an integration the user never connected", async () => {
    await expect(
      instance("none").tokens().getAccessToken({ orgId: ORG, userId: "u-nobody" }, "drive"),
    ).rejects.toMatchObject({ code: "precondition_failed", details: { reason: "not_connected" } });
  });
});
