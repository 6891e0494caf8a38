// Freshness end to end: connecting an integration starts its first sync at the OAuth callback (no
// schedule involved), and POST /v1/contacts/sync brings a contact added in Google. The api and auth route
// tables run in-process over one process graph (as their functions do) behind real HTTP; the OAuth
// consent is the Workspace simulator's; the requests go through the Pub/Sub emulator to the bundled
// contact-sync and calendar-sync functions. No scheduler, fan-out or presence sweep runs here.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest } from "../../functions/manifest";
import type { RunningFunction } from "../../tools/stack/function-process";
import { type PubSubWiring, wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import { createTopics, startFunctionForTest, writeSecretsFile } from "../../tools/testing/function-harness";
import { type HandlerServer, serveHandler } from "../../tools/testing/handler-server";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { OAUTH_CALLBACK_PATH } from "../identity/identity-services";
import { SECRET } from "../identity/secret-names";
import { bearerAuthenticator, sessionTokenService } from "../identity/session-tokens";
import { newSigningKeyRing } from "../identity/signing-keys";
import {
  CLIENT,
  memorySecrets,
  ORG,
  startSim,
  type TestUser,
  USERS,
} from "../identity/test/identity-test-support";
import { newTokenKeyRing } from "../identity/token-cipher";
import { parseConfig } from "../platform/config";
import { createHttpHandler } from "../platform/http";
import { pubsubPublisher } from "../platform/pubsub";
import { processGraph } from "./process-graph";
import { apiRoutes } from "./roots/api";
import { authRouteTable } from "./roots/auth";

const emulators = useEmulators("fresh");
const APP = "https://app.acme.test";
let sim: RunningWorkspaceSim;
let server: HandlerServer;
let db: Firestore;
let wiring: PubSubWiring;
const functions: RunningFunction[] = [];
let bearer: (u: TestUser) => Promise<Record<string, string>>;

beforeAll(async () => {
  let handler: ReturnType<typeof createHttpHandler> | undefined;
  server = await serveHandler((req, res) => handler!(req, res));
  const redirectUri = `${server.url}${OAUTH_CALLBACK_PATH}`;
  sim = await startSim([redirectUri]);
  const secretValues = {
    [SECRET.tokenEncryptionKeys]: newTokenKeyRing("test-1"),
    [SECRET.oauthClientSecret]: CLIENT.clientSecret,
    [SECRET.sessionSigningKeys]: await newSigningKeyRing(),
  };
  const secrets = memorySecrets(secretValues);
  db = new Firestore({ projectId: emulators.projectId });
  const env = {
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
    GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
    // Watch channels are opened at Google (the simulator); nothing needs to receive its notifications here.
    PUBLIC_WEBHOOKS_URL: "http://127.0.0.1:9",
  };
  const graph = processGraph({
    firestore: () => db,
    secrets: () => secrets,
    publisher: () => pubsubPublisher(emulators.projectId),
    config: () =>
      parseConfig({
        ...env,
        GOOGLE_CLOUD_PROJECT: emulators.projectId,
        SWITCHBOARD_ENV: "test",
        OAUTH_REDIRECT_URL: redirectUri,
        ALLOWED_RETURN_ORIGINS: APP,
        CONTACT_SYNC_DEBOUNCE_SECONDS: "30",
      }),
    clock: () => sim.control.now(),
  });
  const sessions = sessionTokenService(secrets);
  handler = createHttpHandler([...apiRoutes(graph), ...authRouteTable(graph)], {
    maxBodyBytes: 256 * 1024,
    authenticate: bearerAuthenticator(() => sessions),
  });
  bearer = async (u) => {
    const { accessToken } = await sessions.issue({ orgId: ORG, ...u, sessionId: `s-${u.userId}` });
    return { authorization: `Bearer ${accessToken}` };
  };
  await db.doc(`orgs/${ORG}`).set({ defaultRegion: "GB" }, { merge: true });
  await createTopics(emulators, ["audit-events", "grant-status-changed", "presence-changed"]);

  const fnEnv = {
    ...env,
    // A worker refreshing an access token names the same redirect URI as the consent did.
    OAUTH_REDIRECT_URL: redirectUri,
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: await writeSecretsFile(secretValues),
  };
  const [contactSync, calendarSync] = await Promise.all([
    startFunctionForTest("contact-sync", emulators, fnEnv),
    startFunctionForTest("calendar-sync", emulators, fnEnv),
  ]);
  functions.push(contactSync!, calendarSync!);
  const wired = loadManifest().functions.filter(
    (f) => f.name === "contact-sync" || f.name === "calendar-sync",
  );
  wiring = await wirePubSub(
    { functions: wired },
    {
      projectId: emulators.projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: (fn) => (fn.name === "contact-sync" ? contactSync!.url : calendarSync!.url),
    },
  );
}, 120_000);

afterAll(async () => {
  await wiring?.close();
  await Promise.all(functions.map((f) => f.stop()));
  await server?.close();
  await sim?.stop();
  await db?.terminate();
});

const api = async (u: TestUser, method: string, path: string, body?: unknown) =>
  server.call(method, path, await bearer(u), body);

/** Connect → the simulator's consent screen → our callback, as a browser would follow it. */
async function connect(u: TestUser, integration: "contacts" | "calendar") {
  const started = await api(u, "POST", `/v1/integrations/${integration}/connect`, {
    returnTo: `${APP}/settings`,
  });
  expect(started.status).toBe(200);
  const atGoogle = await fetch(started.body.authorizationUrl, { redirect: "manual" });
  const back = await fetch(atGoogle.headers.get("location")!, { redirect: "manual" });
  expect(new URL(back.headers.get("location")!).searchParams.get("status")).toBe("connected");
}

const contactNames = async (u: TestUser) =>
  (
    (await api(u, "GET", "/v1/contacts?kind=personal&limit=200")).body.contacts as Array<{
      displayName: string;
    }>
  ).map((c) => c.displayName);

describe("fresh at connect and on request", () => {
  it("syncs Contacts at connect, and a contact added in Google appears after POST /v1/contacts/sync", async () => {
    sim.control.addContact(USERS.alice.email, {
      givenName: "Before",
      familyName: "Connect",
      phones: ["020 7946 0111"],
    });
    await connect(USERS.alice, "contacts");
    // The connect-time request: no fan-out runs in this test.
    await eventually(async () =>
      (await contactNames(USERS.alice)).includes("Before Connect") ? true : undefined,
    );
    // The first sync (personal, then company contacts) finishes: its state shows in GET /v1/integrations.
    await eventually(async () => {
      const connected = await api(USERS.alice, "GET", "/v1/integrations");
      const contacts = connected.body.integrations.find((i: { name: string }) => i.name === "contacts");
      return contacts.sync.state === "ok" ? true : undefined;
    });

    sim.control.addContact(USERS.alice.email, {
      givenName: "Added",
      familyName: "In Google",
      phones: ["020 7946 0222"],
    });
    // People's incremental sync shows a write only minutes later (the simulator's syncLagMs, 60 s): the
    // contact was added a little over a minute before the user asks.
    sim.control.advanceClock(61_000);
    const requested = await api(USERS.alice, "POST", "/v1/contacts/sync");
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ requested: true, sync: { state: "ok" } });
    await eventually(async () =>
      (await contactNames(USERS.alice)).includes("Added In Google") ? true : undefined,
    );
  }, 90_000);

  it("shows a grant revoked at Google in the admin's integration health after one sync", async () => {
    await connect(USERS.dave, "contacts");
    const health = async () =>
      (await api(USERS.ada, "GET", "/v1/admin/integrations/health")).body.integrations.find(
        (i: { name: string }) => i.name === "contacts",
      );
    await eventually(async () => ((await health()).sync.neverSynced === 0 ? true : undefined));
    expect(await health()).toMatchObject({ needsReauth: 0 });
    // The person removes Switchboard in their Google account; the revocation reaches every token in time.
    sim.control.revokeGrant(USERS.dave.email, CLIENT.clientId);
    sim.control.advanceClock(61_000);
    expect((await api(USERS.dave, "POST", "/v1/contacts/sync")).status).toBe(202);
    const broken = await eventually(async () => {
      const h = await health();
      return h.needsReauth === 1 ? h : undefined;
    });
    expect(broken).toMatchObject({ needsReauth: 1 });
    // And the person is offered the way back.
    const mine = await api(USERS.dave, "GET", "/v1/integrations");
    const contacts = mine.body.integrations.find((i: { name: string }) => i.name === "contacts");
    expect(contacts).toMatchObject({
      status: "needs_reauth",
      reconnect: { method: "POST", path: "/v1/integrations/contacts/connect" },
    });
  }, 90_000);

  it("connects Calendar at the callback: presence shows the meeting in progress with no sweep", async () => {
    const now = sim.control.now().getTime();
    sim.control.calendar.createEvent(USERS.bob.email, {
      summary: "Standup",
      start: { dateTime: new Date(now - 10 * 60_000).toISOString() },
      end: { dateTime: new Date(now + 50 * 60_000).toISOString() },
    });
    const before = await api(USERS.alice, "GET", `/v1/presence?users=${USERS.bob.userId}`);
    expect(before.body.presence[0]).toMatchObject({ state: "unknown" });
    await connect(USERS.bob, "calendar");
    const shown = await eventually(async () => {
      const res = await api(USERS.alice, "GET", `/v1/presence?users=${USERS.bob.userId}`);
      return res.body.presence[0].state === "in_meeting" ? res.body.presence[0] : undefined;
    });
    expect(shown).toMatchObject({ state: "in_meeting", reason: "meeting" });
  }, 90_000);
});
