// The consent routes over real HTTP under the Functions Framework, with session-token authentication, the
// simulator's consent endpoint (no browser: it approves as login_hint, or as sim_user), and the emulators.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Firestore } from "@google-cloud/firestore";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import type { AuditEvent } from "../audit/audit-event";
import { googleCalendarApi } from "../google/calendar-api";
import { userAuthClient } from "../google/google-client-options";
import { createHttpHandler } from "../platform/http";
import type { SecretStore } from "../platform/secrets";
import { consentRoutes, type IntegrationView } from "./consent-routes";
import { keyOf } from "./grant-repository";
import { type IdentityServices, OAUTH_CALLBACK_PATH } from "./identity-services";
import { INTEGRATIONS } from "./integrations";
import { oauthCallbackRoutes } from "./oauth-callback-routes";
import { OAUTH_STATE_COLLECTION } from "./oauth-state";
import { bearerAuthenticator, sessionTokenService } from "./session-tokens";
import {
  CLIENT,
  identity,
  ORG,
  recordingPublisher,
  seedGrant,
  silentLog,
  startSim,
  type TestUser,
  testDeps,
  testSecrets,
  USERS,
} from "./test/identity-test-support";

const emulators = useEmulators("consent");
const APP = "https://app.acme.test";
let sim: RunningWorkspaceSim;
let server: Server;
let base: string;
let db: Firestore;
let secrets: SecretStore;
let services: IdentityServices;
const publisher = recordingPublisher();
let handler: ReturnType<typeof createHttpHandler> | undefined;

beforeAll(async () => {
  // The handler is built once the port (and so the redirect URI) is known.
  http("consent-test", (req, res) => handler!(req, res));
  server = getTestServer("consent-test");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${base}${OAUTH_CALLBACK_PATH}`;
  sim = await startSim([redirectUri]);
  secrets = await testSecrets();
  db = new Firestore({ projectId: emulators.projectId });
  const deps = testDeps(sim, {
    projectId: emulators.projectId,
    secrets,
    publisher,
    db,
    redirectUri,
    origins: [APP],
  });
  services = identity(deps);
  const sessions = sessionTokenService(secrets);
  handler = createHttpHandler([...consentRoutes(services), ...oauthCallbackRoutes(services)], {
    maxBodyBytes: 64 * 1024,
    log: silentLog,
    authenticate: bearerAuthenticator(() => sessions),
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await sim?.stop();
  await db?.terminate();
});
beforeEach(() => {
  sim.control.clearRequestLog();
  publisher.messages.length = 0;
});

async function bearer(user: TestUser) {
  const sessions = sessionTokenService(secrets);
  const { accessToken } = await sessions.issue({ orgId: ORG, ...user, sessionId: `s-${user.userId}` });
  return { authorization: `Bearer ${accessToken}` };
}

async function api(user: TestUser, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(await bearer(user)),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  return { status: res.status, body: (await res.json()) as any };
}

/** Connect → the simulator's consent screen (with sim-only knobs) → our callback; returns where it sends the browser. */
async function connect(user: TestUser, integration: string, consent: Record<string, string> = {}) {
  const started = await api(user, "POST", `/v1/integrations/${integration}/connect`, {
    returnTo: `${APP}/settings`,
  });
  expect(started.status).toBe(200);
  const authUrl = new URL(started.body.authorizationUrl);
  for (const [k, v] of Object.entries(consent)) authUrl.searchParams.set(k, v);
  const atGoogle = await fetch(authUrl, { redirect: "manual" });
  expect(atGoogle.status).toBe(302);
  const callbackUrl = atGoogle.headers.get("location")!;
  expect(callbackUrl.startsWith(`${base}${OAUTH_CALLBACK_PATH}`)).toBe(true);
  const back = await fetch(callbackUrl, { redirect: "manual" });
  const location = back.headers.get("location");
  return {
    authUrl,
    callbackUrl,
    status: back.status,
    location: location ? new URL(location) : undefined,
    back,
  };
}

const integrationsOf = async (user: TestUser): Promise<Record<string, IntegrationView>> =>
  Object.fromEntries(
    ((await api(user, "GET", "/v1/integrations")).body.integrations as IntegrationView[]).map((i) => [
      i.name,
      i,
    ]),
  );
const audited = () => publisher.messages.map((m) => m.payload as AuditEvent);
const grantDocs = async (user: TestUser) =>
  (await db.collection(`orgs/${ORG}/users/${user.userId}/grants`).get()).docs;

describe("connect", () => {
  it("asks Google for offline access to the integration's scopes only, with PKCE S256 and a single-use state", async () => {
    const { body } = await api(USERS.alice, "POST", "/v1/integrations/drive/connect", {
      returnTo: `${APP}/x`,
    });
    const url = new URL(body.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.url}/o/oauth2/v2/auth`);
    const q = url.searchParams;
    expect(q.get("access_type")).toBe("offline");
    expect(q.get("include_granted_scopes")).toBe("true");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(q.get("client_id")).toBe(CLIENT.clientId);
    expect(q.get("scope")?.split(" ").sort()).toEqual(
      ["openid", "https://www.googleapis.com/auth/userinfo.email", ...INTEGRATIONS.drive.scopes].sort(),
    );
    const state = await db.collection(OAUTH_STATE_COLLECTION).doc(q.get("state")!).get();
    expect(state.get("integration")).toBe("drive");
    expect(state.get("expireAt").toMillis()).toBeGreaterThan(Date.now());
    expect(JSON.stringify(state.data())).not.toContain('codeVerifier":"'); // the verifier is sealed
  });

  it("refuses a return URL outside the allowed origins, and the admin-only integration to a user", async () => {
    const evil = await api(USERS.alice, "POST", "/v1/integrations/drive/connect", {
      returnTo: "https://evil.example/x",
    });
    expect(evil.status).toBe(400);
    expect(evil.body.error.code).toBe("return_url_not_allowed");
    expect((await api(USERS.alice, "POST", "/v1/integrations/directory/connect", {})).status).toBe(403);
    expect((await api(USERS.ada, "POST", "/v1/integrations/directory/connect", {})).status).toBe(200);
    expect((await api(USERS.alice, "POST", "/v1/integrations/fax/connect", {})).status).toBe(404);
  });

  it("refuses an unauthenticated caller", async () => {
    const res = await fetch(`${base}/v1/integrations`);
    expect(res.status).toBe(401);
  });
});

describe("callback", () => {
  it("stores a connected grant with tokens only encrypted, and returns to the app", async () => {
    const result = await connect(USERS.alice, "contacts");
    expect(result.status).toBe(302);
    expect(result.location?.origin).toBe(APP);
    expect(Object.fromEntries(result.location!.searchParams)).toEqual({
      integration: "contacts",
      status: "connected",
    });

    const [doc] = await grantDocs(USERS.alice);
    const raw = JSON.stringify(doc!.data());
    const grant = (await services
      .grants()
      .get({ orgId: ORG, userId: USERS.alice.userId, grantId: doc!.id }))!;
    const refreshToken = await services
      .cipher()
      .open(grant.refreshToken, { ...keyOf(grant), field: "refresh_token" });
    const accessToken = await services
      .cipher()
      .open(grant.accessToken!, { ...keyOf(grant), field: "access_token" });
    expect(refreshToken).toMatch(/^1\/\//);
    expect(accessToken).toMatch(/^ya29\./);
    expect(raw).not.toContain(refreshToken);
    expect(raw).not.toContain(accessToken);
    expect(raw).not.toMatch(/ya29\.|1\/\//);
    expect(grant).toMatchObject({
      integrations: ["contacts"],
      status: "connected",
      googleEmail: USERS.alice.email,
    });

    expect((await integrationsOf(USERS.alice)).contacts).toMatchObject({
      status: "connected",
      googleEmail: USERS.alice.email,
    });
    expect(publisher.messages).toEqual([
      expect.objectContaining({
        topic: "audit-events",
        payload: expect.objectContaining({ action: "integration.connected", outcome: "success", orgId: ORG }),
      }),
    ]);
  });

  it("shows partial with the missing scopes after a granular consent, then connected after reconnecting", async () => {
    const [events, list] = INTEGRATIONS.calendar.scopes;
    const partial = await connect(USERS.bob, "calendar", { sim_withhold_scopes: list! });
    expect(partial.location?.searchParams.get("status")).toBe("partial");
    expect((await integrationsOf(USERS.bob)).calendar).toMatchObject({
      status: "partial",
      missingScopes: [list],
      reconnect: { method: "POST", path: "/v1/integrations/calendar/connect" },
    });

    const again = await connect(USERS.bob, "calendar");
    expect(again.location?.searchParams.get("status")).toBe("connected");
    expect((await integrationsOf(USERS.bob)).calendar).toMatchObject({ status: "connected" });
    expect((await integrationsOf(USERS.bob)).calendar?.reconnect).toBeUndefined();

    // Another integration joins the same grant (same Google account and client); include_granted_scopes
    // keeps calendar's scopes on it.
    expect((await connect(USERS.bob, "contacts")).location?.searchParams.get("status")).toBe("connected");
    const docs = await grantDocs(USERS.bob);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.get("integrations")).toEqual(["calendar", "contacts"]);
    expect(docs[0]!.get("scopes")).toEqual(
      expect.arrayContaining([events, list, ...INTEGRATIONS.contacts.scopes]),
    );
  });

  it("refuses a second Google account that is not the signed-in user's", async () => {
    const result = await connect(USERS.dave, "gmail", { sim_user: USERS.erin.email });
    expect(Object.fromEntries(result.location!.searchParams)).toEqual({
      integration: "gmail",
      status: "wrong_account",
      reason: "google_account_mismatch",
    });
    expect(await grantDocs(USERS.dave)).toHaveLength(0);
    expect(audited().map((e) => [e.action, e.outcome])).toEqual([["integration.connect", "failure"]]);
  });

  it("allows another Google account when the org allows it", async () => {
    const policyDeps = testDeps(sim, {
      projectId: emulators.projectId,
      secrets,
      publisher,
      db,
      redirectUri: `${base}${OAUTH_CALLBACK_PATH}`,
      origins: [APP],
    });
    const previous = handler;
    const sessions = sessionTokenService(secrets);
    handler = createHttpHandler(
      [
        ...consentRoutes(identity(policyDeps)),
        ...oauthCallbackRoutes(identity(policyDeps), {
          orgPolicy: async () => ({ allowOtherGoogleAccount: true }),
        }),
      ],
      { maxBodyBytes: 64 * 1024, log: silentLog, authenticate: bearerAuthenticator(() => sessions) },
    );
    try {
      const result = await connect(USERS.dave, "drive", { sim_user: USERS.ada.email });
      expect(result.location?.searchParams.get("status")).toBe("connected");
      expect((await integrationsOf(USERS.dave)).drive).toMatchObject({
        status: "connected",
        googleEmail: USERS.ada.email,
      });
    } finally {
      handler = previous;
    }
  });

  it("refuses a reused state with 400 and a stable code", async () => {
    const first = await connect(USERS.erin, "drive");
    expect(first.location?.searchParams.get("status")).toBe("connected");
    const replay = await fetch(first.callbackUrl, { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({
      error: { code: "invalid_request", details: { reason: "oauth_state_invalid" } },
    });
    const forged = await fetch(`${base}${OAUTH_CALLBACK_PATH}?state=${"A".repeat(43)}&code=x`, {
      redirect: "manual",
    });
    expect(forged.status).toBe(400);
  });

  it("returns to the app with status=denied when the user refuses consent", async () => {
    const result = await connect(USERS.erin, "gmail", { sim_deny: "1" });
    expect(result.location?.searchParams.get("status")).toBe("denied");
    expect((await integrationsOf(USERS.erin)).gmail).toMatchObject({ status: "not_connected" });
  });

  it("returns with status=expired when the state outlived its 10 minutes", async () => {
    const started = await api(USERS.erin, "POST", "/v1/integrations/gmail/connect", { returnTo: `${APP}/s` });
    const atGoogle = await fetch(started.body.authorizationUrl, { redirect: "manual" });
    sim.control.advanceClock({ minutes: 11 });
    const back = await fetch(atGoogle.headers.get("location")!, { redirect: "manual" });
    expect(new URL(back.headers.get("location")!).searchParams.get("status")).toBe("expired");
  });
});

describe("disconnect", () => {
  it("keeps a grant other integrations use, revokes at Google with the last one, and leaves no token or cursor", async () => {
    const user = USERS.ada;
    await connect(user, "contacts");
    await connect(user, "calendar");
    const [doc] = await grantDocs(user);
    const grant = (await services.grants().get({ orgId: ORG, userId: user.userId, grantId: doc!.id }))!;
    const refreshToken = await services
      .cipher()
      .open(grant.refreshToken, { ...keyOf(grant), field: "refresh_token" });
    const cursors = db.collection(`orgs/${ORG}/users/${user.userId}/cursors`);
    await cursors.doc("calendar-primary").set({ integration: "calendar", token: "x" });
    await cursors.doc("contacts-people").set({ integration: "contacts", token: "y" });
    sim.control.clearRequestLog();

    const calendar = await api(user, "DELETE", "/v1/integrations/calendar");
    expect(calendar.body).toEqual({
      integration: "calendar",
      status: "not_connected",
      revokedAtGoogle: false,
    });
    expect(sim.control.requestCount({ method: "oauth.revoke" })).toBe(0);
    expect((await grantDocs(user))[0]!.get("integrations")).toEqual(["contacts"]);
    expect((await cursors.get()).docs.map((d) => d.id)).toEqual(["contacts-people"]);

    const contacts = await api(user, "DELETE", "/v1/integrations/contacts");
    expect(contacts.body).toEqual({
      integration: "contacts",
      status: "not_connected",
      revokedAtGoogle: true,
    });
    expect(sim.control.requests({ method: "oauth.revoke" }).map((r) => r.status)).toEqual([200]);
    expect(await grantDocs(user)).toHaveLength(0);
    expect((await cursors.get()).size).toBe(0);
    // At Google the revocation takes a while to reach every token (tools/workspace-sim README).
    sim.control.advanceClock(sim.control.settings().oauth.revocationLagMs);
    const refresh = await fetch(`${sim.url}/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe("invalid_grant");

    // Idempotent: disconnecting again changes nothing and says so.
    const again = await api(user, "DELETE", "/v1/integrations/contacts");
    expect(again).toEqual({
      status: 200,
      body: { integration: "contacts", status: "not_connected", revokedAtGoogle: false },
    });
    expect(
      audited()
        .filter((e) => e.action === "integration.disconnected")
        .map((e) => e.details),
    ).toEqual([
      expect.objectContaining({ integration: "calendar", revokedAtGoogle: false, wasConnected: true }),
      expect.objectContaining({ integration: "contacts", revokedAtGoogle: true, wasConnected: true }),
      expect.objectContaining({ integration: "contacts", revokedAtGoogle: false, wasConnected: false }),
    ]);
  });
});

describe("a grant Google stops accepting", () => {
  it("shows needs_reauth in GET /v1/integrations, with why, once a refreshed Calendar token is refused again", async () => {
    await seedGrant(services, sim, USERS.erin, { integrations: ["calendar"] });
    const erin = { orgId: ORG, userId: USERS.erin.userId };
    const calendarApi = googleCalendarApi(
      { rootUrl: sim.url },
      userAuthClient(services.tokens(), erin, "calendar"),
    );
    sim.control.injectFault({ api: "calendar", user: USERS.erin.email, fail: "401" });
    try {
      await expect(calendarApi.listCalendars()).rejects.toMatchObject({
        code: "precondition_failed",
        retryable: false,
        details: { reason: "needs_reauth" },
      });
    } finally {
      sim.control.clearFaults();
    }
    expect(sim.control.requestCount({ api: "calendar", status: 401 })).toBe(2); // the token, then the refreshed one
    expect((await integrationsOf(USERS.erin)).calendar).toMatchObject({
      status: "needs_reauth",
      lastError: "unauthenticated: Google refused a freshly refreshed access token (401)",
      reconnect: { method: "POST", path: "/v1/integrations/calendar/connect" },
    });
  });
});
