// The bundled directory-writeback function through the real push path: a user message published (with
// its per-user ordering key) to the Pub/Sub emulator reaches the function over an ordered push
// subscription; the function reads the record from Firestore, authenticates with the service-account
// key from its secrets (the write scope delegated), and writes the number into the simulated Workspace.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOpCounter } from "../../shared/directory/directory-snapshot";
import { firestoreProvisioningSettings } from "../../shared/directory/provisioning-settings";
import { SA_EMAIL, serviceAccountSeed } from "../../shared/directory/test/directory-test-support";
import { firestoreUserRepository } from "../../shared/directory/user-repository";
import { requestWriteBack } from "../../shared/directory/writeback/writeback-messages";
import { firestoreWriteBackRecords } from "../../shared/directory/writeback/writeback-records";
import { firestoreWriteBackSettings } from "../../shared/directory/writeback/writeback-settings";
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

const emulators = useEmulators("dirwbfn");
const ORG = "acme";
const ADA = "ada@acme.example";
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
        { email: ADA, givenName: "Ada", familyName: "Test", orgUnitPath: "/Sales" },
      ],
      serviceAccounts: [serviceAccountSeed(["https://www.googleapis.com/auth/admin.directory.user"])],
    },
    saml: false,
  });
  sim.control.setUserPhones(ADA, [{ value: "+14155550100", type: "work" }]);
  const secretsFile = await writeSecretsFile({
    "directory-sa-key": JSON.stringify(sim.control.serviceAccountKey(SA_EMAIL)),
    "token-encryption-keys": newTokenKeyRing("test-1"),
    "oauth-client-secret": "unused",
  });
  fn = await startFunctionForTest("directory-writeback", emulators, {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
  });
  await createTopics(emulators, ["audit-events"]);
  const spec = loadManifest().functions.find((f) => f.name === "directory-writeback")!;
  await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => fn.url },
  );
  db = new Firestore({ projectId: emulators.projectId });
  await firestoreProvisioningSettings(db).saveConnection(ORG, {
    mode: "delegation",
    impersonate: "root@acme.example",
  });
  await firestoreWriteBackSettings(db).save(ORG, { enabled: true });
  // Ada's account as provisioning left it.
  await firestoreUserRepository(db).save({
    id: "ws-ada",
    orgId: ORG,
    email: ADA,
    role: "user",
    status: "active",
    licensed: true,
    managedBy: "provisioning",
    workspaceId: String(sim.control.userResource(ADA).id),
  });
});

afterAll(async () => {
  await fn?.stop();
  await sim?.stop();
  await db?.terminate();
});

describe("directory-writeback function", () => {
  it("a queued user message writes the assigned number once, however often it is published", async () => {
    await firestoreWriteBackRecords(db, newOpCounter()).change(
      ORG,
      "ws-ada",
      { numbers: { directNumber: "+14155550123", extension: "204" } },
      new Date(),
    );
    const publisher = pubsubPublisher(emulators.projectId);
    await requestWriteBack(publisher, ORG, "ws-ada");
    await requestWriteBack(publisher, ORG, "ws-ada"); // a duplicate publish
    await eventually(async () => {
      const record = await firestoreWriteBackRecords(db, newOpCounter()).get(ORG, "ws-ada");
      return record?.status === "in_sync" && !record.pending ? record : undefined;
    });
    expect(sim.control.userResource(ADA).phones).toEqual([
      { value: "+14155550100", type: "work" },
      { value: "+14155550123", type: "custom", customType: "Switchboard" },
      { value: "204", type: "custom", customType: "Switchboard extension" },
    ]);
    // Both messages are handled; the second finds Google already showing the values.
    await eventually(async () =>
      sim.control.requestCount({ method: "directory.users.get", status: 200 }) >= 2 ? true : undefined,
    );
    expect(sim.control.requestCount({ method: "directory.users.update", status: 200 })).toBe(1);
    expect(sim.control.requests({ method: "directory.users.update" })[0]?.user).toBe("root@acme.example");
    expect(await pullPublished(emulators, "audit-events")).toEqual([]);
  });
});
