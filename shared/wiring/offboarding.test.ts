// Offboarding a person stops everything tied to them, whichever path removes them: the admin's
// POST /v1/admin/provisioning/apply (the api root, over real HTTP) and the directory-sync worker (its
// root, through its Pub/Sub handler). Both run over the process graph production builds (process-graph.ts),
// so the test fails if either path gets its own teardown list or identity again: the person's sidebar
// cache is gone, their calendar channel is stopped at Google (the simulator), and their grants are
// revoked at Google and deleted.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { type HandlerServer, serveHandler } from "../../tools/testing/handler-server";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { DirectorySyncMessage } from "../directory/directory-sync-worker";
import { accountIdFor } from "../directory/provisioning-diff";
import { directorySecrets, serviceAccountSeed } from "../directory/test/directory-test-support";
import { firestoreRefreshSessions } from "../identity/refresh-sessions";
import { sessionTokenService } from "../identity/session-tokens";
import {
  CLIENT,
  ORG,
  recordingPublisher,
  seedGrant,
  type TestUser,
} from "../identity/test/identity-test-support";
import { parseConfig } from "../platform/config";
import type { SecretStore } from "../platform/secrets";
import { SIDEBAR_CACHE } from "../sidebar/sidebar-cache";
import { type ProcessGraph, processGraph } from "./process-graph";
import { createApiHandler } from "./roots/api";
import { createDirectorySyncRoot } from "./roots/directory-sync";

const emulators = useEmulators("offboard");
const DOMAIN = "leavers.example";
const email = (name: string) => `${name}@${DOMAIN}`;
let sim: RunningWorkspaceSim;
let db: Firestore;
let secrets: SecretStore;
let graph: ProcessGraph;
let api: HandlerServer;

const person = (name: string) => ({
  email: email(name),
  givenName: name,
  familyName: "Test",
  orgUnitPath: "/Sales",
});

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      domain: DOMAIN,
      orgUnits: ["/Sales", "/Partners"],
      users: [
        { email: email("root"), givenName: "Root", familyName: "Admin", isAdmin: true },
        person("alice"),
        person("bob"),
        person("carol"),
        person("dora"),
      ],
      serviceAccounts: [serviceAccountSeed()],
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/oauth/google/callback"] }],
    },
    saml: false,
  });
  db = new Firestore({ projectId: emulators.projectId });
  secrets = await directorySecrets(sim);
  const config = parseConfig({
    GOOGLE_CLOUD_PROJECT: emulators.projectId,
    SWITCHBOARD_ENV: "test",
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
    GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
    OAUTH_REDIRECT_URL: "http://127.0.0.1:9/oauth/google/callback",
    // Google's pushes go nowhere here: the channels themselves are what this test looks at.
    PUBLIC_WEBHOOKS_URL: "http://127.0.0.1:9",
    WEB_CLIENT_ORIGIN: "https://app.leavers.example",
  });
  const publisher = recordingPublisher();
  graph = processGraph({
    firestore: () => db,
    secrets: () => secrets,
    publisher: () => publisher,
    config: () => config,
    clock: () => sim.control.now(),
  });
  const directory = graph.directory();
  await directory.settings.saveConnection(ORG, { mode: "delegation", impersonate: email("root") });
  await directory.settings.save(ORG, {
    scope: { kind: "orgUnits", paths: ["/Sales"], includeSubUnits: true },
    gracePeriodDays: 0,
    mode: "automatic",
    deprovisioning: "remove",
    departments: { source: "orgUnits", ids: [] },
  });
  await syncThroughWorker();
  api = await serveHandler(createApiHandler(graph));
}, 60_000);

afterAll(async () => {
  await api?.close();
  await sim?.stop();
  await db?.terminate();
});

const userOf = (name: string): TestUser => ({
  userId: accountIdFor(String(sim.control.userResource(email(name)).id)),
  email: email(name),
  role: "user",
});

let messageCount = 0;
/** A full-sync message, through the directory-sync function's root and Pub/Sub handler. */
async function syncThroughWorker() {
  const handler = createDirectorySyncRoot(graph);
  const payload = DirectorySyncMessage.schema.parse({ kind: "full-sync", orgId: ORG, reason: "reconcile" });
  const messageId = `m-${++messageCount}`;
  await handler({
    id: messageId,
    specversion: "1.0",
    type: "google.cloud.pubsub.topic.v1.messagePublished",
    source: "//pubsub.googleapis.com/projects/p/topics/directory-sync",
    data: {
      message: {
        data: Buffer.from(JSON.stringify(payload)).toString("base64"),
        messageId,
        publishTime: sim.control.now().toISOString(),
      },
    },
  } as never);
}

async function adminApi(method: string, path: string, body?: unknown) {
  const root = userOf("root");
  const { sessionId } = await firestoreRefreshSessions(db).start(ORG, root.userId);
  const { accessToken } = await sessionTokenService(secrets).issue({
    orgId: ORG,
    userId: root.userId,
    email: root.email,
    role: "admin",
    sessionId,
  });
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Everything a connected person leaves behind: grants, a calendar channel at Google, a sidebar cache. */
async function connectEverything(user: TestUser) {
  const identity = graph.identity();
  await seedGrant(identity, sim, user, { integrations: ["calendar", "gmail", "drive", "contacts"] });
  await graph.presence().sync().connect({ orgId: ORG, userId: user.userId });
  const channels = await graph.presence().ledger().live("calendar", { orgId: ORG, userId: user.userId });
  await graph
    .sidebar()
    .context()
    .forEmail({ orgId: ORG, userId: user.userId, email: user.email }, email("carol"));
  await graph.sidebar().context().settled();
  const cache = await db.collection(`orgs/${ORG}/users/${user.userId}/${SIDEBAR_CACHE}`).get();
  expect(channels.length).toBeGreaterThan(0);
  expect(sim.control.calendar.channels().map((c) => c.id)).toEqual(
    expect.arrayContaining(channels.map((c) => c.id)),
  );
  expect(cache.size).toBeGreaterThan(0);
  expect(sim.control.liveRefreshTokenCount(user.email, CLIENT.clientId)).toBe(1);
  return { channelIds: channels.map((c) => c.id) };
}

/** `atGoogle`: the account still exists there, so its channels must have been stopped at Google. */
async function expectNothingLeft(user: TestUser, channelIds: string[], atGoogle = true) {
  const simChannels = sim.control.calendar.channels().map((c) => c.id);
  if (atGoogle) for (const id of channelIds) expect(simChannels).not.toContain(id);
  expect(await graph.presence().ledger().live("calendar", { orgId: ORG, userId: user.userId })).toEqual([]);
  expect((await db.collection(`orgs/${ORG}/users/${user.userId}/${SIDEBAR_CACHE}`).get()).size).toBe(0);
  expect(await graph.identity().grants().listForUser(ORG, user.userId)).toEqual([]);
  expect(sim.control.liveRefreshTokenCount(user.email, CLIENT.clientId)).toBe(0);
  expect(await graph.users().get(ORG, user.userId)).toMatchObject({ licensed: false });
}

async function setMode(mode: "preview" | "automatic") {
  const settings = await graph.directory().settings.get(ORG);
  if (!settings) throw new Error("no provisioning settings");
  await graph.directory().settings.save(ORG, { ...settings, mode });
}

describe("offboarding a person who leaves provisioning's scope", () => {
  it("through the admin's provisioning apply (api): sidebar cache, calendar channel and grants are gone", async () => {
    const alice = userOf("alice");
    const { channelIds } = await connectEverything(alice);
    await setMode("preview");
    sim.control.moveUser(alice.email, "/Partners");
    await syncThroughWorker(); // preview mode: the sync only records the change
    expect(await graph.users().get(ORG, alice.userId)).toMatchObject({ licensed: true });

    const preview = await adminApi("GET", "/v1/admin/provisioning/preview");
    expect(preview.status).toBe(200);
    expect(preview.body.changes).toEqual([
      expect.objectContaining({ action: "deprovision", accountId: alice.userId }),
    ]);
    const applied = await adminApi("POST", "/v1/admin/provisioning/apply", {
      directoryVersion: preview.body.directoryVersion,
      diffHash: preview.body.diffHash,
    });
    expect(applied).toMatchObject({ status: 200, body: { applied: 1, failed: [] } });
    await expectNothingLeft(alice, channelIds);
  });

  it("through the directory-sync worker: exactly the same things are gone", async () => {
    const bob = userOf("bob");
    await setMode("automatic");
    const { channelIds } = await connectEverything(bob);
    sim.control.moveUser(bob.email, "/Partners");
    await syncThroughWorker();
    await expectNothingLeft(bob, channelIds);
  });

  it("deleted in Workspace: Google refuses the dead account's stop, and everything of theirs is still let go", async () => {
    const dora = userOf("dora");
    await setMode("automatic");
    const { channelIds } = await connectEverything(dora);
    sim.control.deleteUser(dora.email);
    await syncThroughWorker();
    await expectNothingLeft(dora, channelIds, false);
  });
});
