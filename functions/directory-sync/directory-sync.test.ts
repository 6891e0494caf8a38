// The bundled directory-sync function through the real push path: a full-sync message published to the
// Pub/Sub emulator reaches the function, which authenticates with the service-account key from its
// secrets (JWT token URL from GOOGLE_OAUTH_BASE_URL, i.e. the simulator), syncs and provisions.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectorySyncMessage } from "../../shared/directory/directory-sync-worker";
import { firestoreProvisioningSettings } from "../../shared/directory/provisioning-settings";
import {
  defaultSettings,
  SA_EMAIL,
  serviceAccountSeed,
} from "../../shared/directory/test/directory-test-support";
import { firestoreUserRepository } from "../../shared/directory/user-repository";
import { newTokenKeyRing } from "../../shared/identity/token-cipher";
import { pubsubPublisher } from "../../shared/platform/pubsub";
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
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { loadManifest } from "../manifest";

const emulators = useEmulators("dirsyncfn");
const ORG = "acme";
let sim: RunningWorkspaceSim;
let fn: RunningFunction;
let db: Firestore;

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      id: ORG,
      domain: "acme.example",
      orgUnits: ["/Sales"],
      users: [
        { email: "root@acme.example", givenName: "Root", familyName: "Admin", isAdmin: true },
        { email: "ada@acme.example", givenName: "Ada", familyName: "Test", orgUnitPath: "/Sales" },
        { email: "bob@acme.example", givenName: "Bob", familyName: "Test", orgUnitPath: "/Sales" },
      ],
      serviceAccounts: [serviceAccountSeed()],
    },
    saml: false,
  });
  const secretsFile = await writeSecretsFile({
    "directory-sa-key": JSON.stringify(sim.control.serviceAccountKey(SA_EMAIL)),
    "token-encryption-keys": newTokenKeyRing("test-1"),
    "oauth-client-secret": "unused",
  });
  fn = await startFunctionForTest("directory-sync", emulators, {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
  });
  await createTopics(emulators, ["audit-events", "user-provisioning"]);
  const spec = loadManifest().functions.find((f) => f.name === "directory-sync")!;
  await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => fn.url },
  );
  db = new Firestore({ projectId: emulators.projectId });
  const settings = firestoreProvisioningSettings(db);
  await settings.saveConnection(ORG, { mode: "delegation", impersonate: "root@acme.example" });
  await settings.save(ORG, defaultSettings());
});

afterAll(async () => {
  await fn?.stop();
  await sim?.stop();
  await db?.terminate();
});

describe("directory-sync function", () => {
  it("a full-sync message syncs the org through delegation and provisions the people in scope", async () => {
    await pubsubPublisher(emulators.projectId).publish(DirectorySyncMessage, {
      kind: "full-sync",
      orgId: ORG,
      reason: "connect",
    });
    const users = firestoreUserRepository(db);
    const accounts = await eventually(async () => {
      const all = await users.listAll(ORG);
      return all.length === 2 ? all : undefined;
    });
    expect(accounts.map((a) => a.email).sort()).toEqual(["ada@acme.example", "bob@acme.example"]);
    expect(sim.control.requestCount({ method: "directory.users.list", status: 200 })).toBe(1);
    const events = (await pullPublished(emulators, "user-provisioning")) as Array<{ action: string }>;
    expect(events.map((e) => e.action)).toEqual(["created", "created"]);
  });
});
