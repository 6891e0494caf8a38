// Fixtures for the directory tests (not a test file): a simulated Workspace org with a service account
// delegated the directory scopes, directory services wired to the emulators and the simulator, and a
// clock that moves with the simulator's.
import { Firestore } from "@google-cloud/firestore";
import type { RunningWorkspaceSim } from "../../../tools/workspace-sim/src/index";
import type { DirectoryApi } from "../../google/directory-api";
import { identityServices } from "../../identity/identity-services";
import { INTEGRATIONS } from "../../identity/integrations";
import {
  CLIENT,
  recordingPublisher,
  silentLog,
  testSecrets,
} from "../../identity/test/identity-test-support";
import { userOffboarding } from "../../identity/user-offboarding";
import type { EventPublisher } from "../../platform/pubsub";
import type { SecretStore } from "../../platform/secrets";
import { TELEPHONY_SECRET } from "../../platform/service-token";
import { type DirectoryServices, directoryServices } from "../directory-services";
import type { ProvisioningSettingsInput } from "../provisioning-settings";

export const SA_EMAIL = "directory-sync@switchboard-test.iam.gserviceaccount.com";

/** `extraScopes`: tests that also act as a Workspace admin through the API (e.g. changing an email). */
export const serviceAccountSeed = (extraScopes: string[] = []) => ({
  email: SA_EMAIL,
  delegatedScopes: [...INTEGRATIONS.directory.scopes, ...extraScopes],
});

/** The phone system's service token in the tests (telephony routes). */
export const TELEPHONY_TEST_TOKEN = "telephony-test-token-0123456789-abcdefghij";

/** The secret store of the tests, with the simulator's key for the service account. */
export async function directorySecrets(sim: RunningWorkspaceSim): Promise<SecretStore> {
  const base = await testSecrets();
  // Read when asked: an org connected through an admin grant has no service account.
  return {
    get: async (name) => {
      if (name === "directory-sa-key") return JSON.stringify(sim.control.serviceAccountKey(SA_EMAIL));
      if (name === TELEPHONY_SECRET) return TELEPHONY_TEST_TOKEN;
      return base.get(name);
    },
  };
}

export interface TestDirectory {
  services: DirectoryServices;
  db: Firestore;
  publisher: EventPublisher & { messages: Array<{ topic: string; payload: unknown }> };
  /** Moves the simulator's clock and ours together. */
  advance(ms: number): void;
  now(): Date;
}

export async function testDirectory(
  sim: RunningWorkspaceSim,
  projectId: string,
  options: {
    wrapApi?: (api: DirectoryApi) => DirectoryApi;
    webhooksUrl?: string;
    publisher?: EventPublisher;
  } = {},
): Promise<
  TestDirectory & { publisher: EventPublisher & { messages: Array<{ topic: string; payload: unknown }> } }
> {
  const db = new Firestore({ projectId });
  const recording = recordingPublisher();
  const publisher = options.publisher
    ? Object.assign(
        {
          publish: (async (type, payload, opts) => {
            await recording.publish(type, payload, opts);
            return options.publisher!.publish(type, payload, opts);
          }) as EventPublisher["publish"],
        },
        { messages: recording.messages },
      )
    : recording;
  // Our injectable clock: its own offset, moved with the simulator's by advance().
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const secrets = await directorySecrets(sim);
  let services: DirectoryServices | undefined;
  const identity = identityServices({
    firestore: () => db,
    secrets,
    publisher,
    clock: now,
    config: {
      GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
      // The identity tests' OAuth client: seed it (with CLIENT) where a test uses Google grants.
      GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
      OAUTH_REDIRECT_URL: "http://127.0.0.1:9/oauth/google/callback",
      PUBLIC_AUTH_URL: undefined,
      ALLOWED_RETURN_ORIGINS: [],
      DEFAULT_RETURN_URL: undefined,
    },
    log: silentLog,
  });
  const base = directoryServices({
    identity,
    offboarding: userOffboarding(identity),
    apiRootUrl: `${sim.url}/`,
    oauthBaseUrl: `${sim.url}/`,
    webhooksUrl: options.webhooksUrl,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    log: silentLog,
  });
  if (options.wrapApi) {
    const wrap = options.wrapApi;
    const real = base.directoryApi.bind(base);
    services = { ...base, directoryApi: async (orgId) => wrap(await real(orgId)) };
  } else services = base;
  return {
    services,
    db,
    publisher,
    now,
    advance(ms) {
      offsetMs += ms;
      sim.control.advanceClock(ms);
    },
  };
}

export const defaultSettings = (
  over: Partial<ProvisioningSettingsInput> = {},
): ProvisioningSettingsInput => ({
  scope: { kind: "orgUnits", paths: ["/Sales"], includeSubUnits: true },
  gracePeriodDays: 7,
  mode: "automatic",
  deprovisioning: "suspend",
  departments: { source: "orgUnits", ids: [] },
  ...over,
});
