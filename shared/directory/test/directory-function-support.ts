// Fixtures for the bundled directory functions (not a test file): a simulated acme org whose service
// account holds the given delegated scopes, and one directory function started under the Functions
// Framework with its secrets and its push subscription on the Pub/Sub emulator, as the stack wires it.
import { Firestore } from "@google-cloud/firestore";
import { loadManifest } from "../../../functions/manifest";
import type { RunningFunction } from "../../../tools/stack/function-process";
import { wirePubSub } from "../../../tools/stack/pubsub-wiring";
import type { EmulatorEnv } from "../../../tools/testing/emulator-env";
import {
  createTopics,
  startFunctionForTest,
  writeSecretsFile,
} from "../../../tools/testing/function-harness";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../../tools/workspace-sim/src/index";
import { newTokenKeyRing } from "../../identity/token-cipher";
import { firestoreProvisioningSettings } from "../provisioning-settings";
import { SA_EMAIL, serviceAccountSeed } from "./directory-test-support";

export const ACME = { org: "acme", domain: "acme.example", admin: "root@acme.example" };

export interface DirectoryFunctionFixture {
  sim: RunningWorkspaceSim;
  fn: RunningFunction;
  db: Firestore;
  stop(): Promise<void>;
}

/** `people` in /Sales besides the root admin; the org is connected through delegation as that admin. */
export async function startDirectoryFunction(
  name: "directory-sync" | "directory-writeback",
  emulators: EmulatorEnv,
  options: { people: string[]; extraScopes?: string[]; topics: string[] },
): Promise<DirectoryFunctionFixture> {
  const sim = await startWorkspaceSim({
    seed: {
      id: ACME.org,
      domain: ACME.domain,
      orgUnits: ["/Sales"],
      users: [
        { email: ACME.admin, givenName: "Root", familyName: "Admin", isAdmin: true },
        ...options.people.map((p) => ({
          email: `${p.toLowerCase()}@${ACME.domain}`,
          givenName: p,
          familyName: "Test",
          orgUnitPath: "/Sales",
        })),
      ],
      serviceAccounts: [serviceAccountSeed(options.extraScopes)],
    },
    saml: false,
  });
  const secretsFile = await writeSecretsFile({
    "directory-sa-key": JSON.stringify(sim.control.serviceAccountKey(SA_EMAIL)),
    "token-encryption-keys": newTokenKeyRing("test-1"),
    "oauth-client-secret": "unused",
  });
  const fn = await startFunctionForTest(name, emulators, {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
  });
  await createTopics(emulators, options.topics);
  const spec = loadManifest().functions.find((f) => f.name === name)!;
  await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => fn.url },
  );
  const db = new Firestore({ projectId: emulators.projectId });
  await firestoreProvisioningSettings(db).saveConnection(ACME.org, {
    mode: "delegation",
    impersonate: ACME.admin,
  });
  return {
    sim,
    fn,
    db,
    async stop() {
      await fn.stop();
      await sim.stop();
      await db.terminate();
    },
  };
}
