// Shared fixtures for the simulator's contract tests (not a test file itself): a small organisation,
// a started simulator per test file, and real Google clients pointed at it.
import { admin, type admin_directory_v1 } from "@googleapis/admin";
import { people, type people_v1 } from "@googleapis/people";
import { CodeChallengeMethod, OAuth2Client } from "google-auth-library";
import {
  type RunningWorkspaceSim,
  SCOPES,
  type SettingsPatch,
  simOAuthEndpoints,
  startWorkspaceSim,
} from "./index";
import type { OrgSeed } from "./seed/org-seed";

export const CLIENT = {
  clientId: "switchboard-test.apps.googleusercontent.com",
  clientSecret: "GOCSPX-test-secret",
  redirectUri: "http://127.0.0.1:9/oauth/callback",
};
export const SERVICE_ACCOUNT = "directory-sync@switchboard-test.iam.gserviceaccount.com";
export const ADMIN = "ada@acme.test";
export const ALICE = "alice@acme.test";
export const BOB = "bob@acme.test";

export function acmeSeed(overrides: Partial<OrgSeed> = {}): OrgSeed {
  return {
    domain: "acme.test",
    defaultRegion: "US",
    orgUnits: ["/Sales/West", "/Support"],
    users: [
      { email: ADMIN, givenName: "Ada", familyName: "Lovelace", isAdmin: true, orgUnitPath: "/" },
      {
        email: ALICE,
        givenName: "Alice",
        familyName: "Archer",
        orgUnitPath: "/Sales/West",
        phones: [{ value: "(415) 555-0100", type: "work" }],
        contacts: [
          {
            givenName: "Carol",
            familyName: "Client",
            phones: ["+1 650-555-0111"],
            emails: ["carol@customer.example"],
          },
          { givenName: "Dan", familyName: "Dealer", phones: ["(212) 555-0122"] },
        ],
      },
      { email: BOB, givenName: "Bob", familyName: "Baker", orgUnitPath: "/Support" },
    ],
    groups: [
      { email: "sales@acme.test", members: [ALICE, { email: "support@acme.test", type: "GROUP" }] },
      { email: "support@acme.test", members: [BOB] },
    ],
    oauthClients: [
      { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] },
    ],
    serviceAccounts: [
      {
        email: SERVICE_ACCOUNT,
        delegatedScopes: [SCOPES.adminUserReadonly, SCOPES.adminGroupReadonly, SCOPES.adminOrgunitReadonly],
      },
    ],
    ...overrides,
  };
}

/** A simulator on a free port with the acme organisation; quotas off unless a test sets them. */
export function startTestSim(
  settings: SettingsPatch = {},
  seed: OrgSeed = acmeSeed(),
): Promise<RunningWorkspaceSim> {
  return startWorkspaceSim({
    seed,
    settings: {
      ...settings,
      people: { criticalReadsPerMinute: null, criticalWritesPerMinute: null, ...settings.people },
      directory: { queriesPerMinute: null, pushBatchWindowMs: 5, ...settings.directory },
    },
  });
}

/**
 * An OAuth2Client with tokens the simulator issued for `user`. With a refresh token (default) it
 * refreshes itself after sim-clock jumps; note the real client also refreshes and retries on a 403.
 */
export function bearer(
  sim: RunningWorkspaceSim,
  user: string,
  scopes: string[],
  opts: { offline?: boolean } = {},
): OAuth2Client {
  const offline = opts.offline !== false;
  const tokens = sim.control.issueTokens({ user, clientId: CLIENT.clientId, scopes, offline });
  // The client computes expiry_date from the real clock; after a sim-clock jump only a 401 tells it
  // the token is dead, so let that 401 trigger a refresh.
  const auth = new OAuth2Client({
    ...CLIENT,
    endpoints: simOAuthEndpoints(sim.url),
    forceRefreshOnFailure: offline,
  });
  auth.setCredentials({
    access_token: tokens.access_token,
    ...(offline ? { refresh_token: tokens.refresh_token! } : {}),
  });
  return auth;
}

/** People client with retries off, so tests see each error as the API sent it. */
export function peopleClient(sim: RunningWorkspaceSim, auth: OAuth2Client): people_v1.People {
  return people({ version: "v1", rootUrl: `${sim.url}/`, auth, retry: false });
}

export function directoryClient(sim: RunningWorkspaceSim, auth: unknown): admin_directory_v1.Admin {
  return admin({ version: "directory_v1", rootUrl: `${sim.url}/`, auth: auth as OAuth2Client, retry: false });
}

/** Runs the consent redirect as a browser would, returning the query of the redirect back to the app. */
export async function consent(
  auth: OAuth2Client,
  opts: { user: string; scopes: string[]; extra?: Record<string, string>; pkce?: boolean },
): Promise<{ code: string | null; params: URLSearchParams; codeVerifier?: string }> {
  const pkce = opts.pkce === false ? undefined : await auth.generateCodeVerifierAsync();
  const url = auth.generateAuthUrl({
    access_type: "offline",
    scope: opts.scopes,
    login_hint: opts.user,
    state: "xyz",
    ...(pkce ? { code_challenge_method: CodeChallengeMethod.S256, code_challenge: pkce.codeChallenge! } : {}),
    ...opts.extra,
  });
  const res = await fetch(url, { redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location)
    throw new Error(`consent did not redirect: ${res.status} ${await res.text()}`);
  const params = new URL(location).searchParams;
  return { code: params.get("code"), params, ...(pkce ? { codeVerifier: pkce.codeVerifier } : {}) };
}

/** Loosely typed JSON, so assertions can reach into error bodies. */
// biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary response JSON
export type Json = any;

/** The Google error body carried by a GaxiosError. */
export async function googleError(promise: Promise<unknown>): Promise<{ status: number; body: Json }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { status?: number; response?: { status: number; data: unknown } };
    if (e.response) return { status: e.response.status, body: e.response.data };
    throw err;
  }
  throw new Error("expected the call to fail");
}
