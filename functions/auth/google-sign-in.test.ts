// Sign in with Google end to end: the simulator as Google (OpenID Connect, several Workspace customers,
// consumer accounts, super and delegated admins), the bundled auth and api functions over real HTTP, the
// Firestore and Pub/Sub emulators. Scenarios: a new company's super admin onboards it by signing in; a
// colleague before and after setup, with and without JIT; consumer accounts; the org's sign-in policy;
// every tampering with state, nonce or id_token refused with a stable code and no session.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../shared/audit/audit-event";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import { newTokenKeyRing } from "../../shared/identity/token-cipher";
import { TELEPHONY_SECRET } from "../../shared/platform/service-token";
import { freePort } from "../../tools/emulators/emulators";
import type { RunningFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import {
  createTopics,
  pullPublished,
  startFunctionForTest,
  writeSecretsFile,
} from "../../tools/testing/function-harness";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import type { IdTokenTamper } from "../../tools/workspace-sim/src/oauth/id-token";

const emulators = useEmulators("gsignin");
const APP = "http://app.switchboard.test";
const CLIENT = { clientId: "switchboard-gsi.apps.googleusercontent.com", clientSecret: "GOCSPX-gsi-secret" };
const SERVICE_TOKEN = "telephony-token-for-google-sign-in-0123456789";
let sim: RunningWorkspaceSim;
let auth: RunningFunction;
let api: RunningFunction;
let db: Firestore;

const person = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  givenName: email.split("@")[0]!,
  familyName: "Test",
  ...extra,
});

beforeAll(async () => {
  const port = await freePort();
  const authUrl = `http://127.0.0.1:${port}`;
  const secretsFile = await writeSecretsFile({
    "session-signing-keys": newSigningKeyRing(),
    "token-encryption-keys": newTokenKeyRing("gsi-1"),
    "oauth-client-secret": CLIENT.clientSecret,
    [TELEPHONY_SECRET]: SERVICE_TOKEN,
  });
  sim = await startWorkspaceSim({ port: 0, saml: false });
  const oauthClients = [{ ...CLIENT, redirectUris: [`${authUrl}/auth/google/callback`] }];
  sim.control.seed({
    orgs: [
      {
        domain: "initech.example",
        customerId: "C0initech",
        secondaryDomains: ["initech-labs.example"],
        users: [
          person("bill@initech.example", { isAdmin: true }),
          person("peter@initech.example", {
            contacts: [{ givenName: "Lumbergh", phones: ["+1 415 555 0100"] }],
          }),
          person("milton@initech.example"),
        ],
        oauthClients,
      },
      {
        domain: "globex.example",
        customerId: "C0globex",
        users: [person("hank@globex.example", { isDelegatedAdmin: true }), person("homer@globex.example")],
        oauthClients,
      },
      {
        domain: "acme.example",
        customerId: "C0acme",
        users: [person("ada@acme.example"), person("alan@acme.example"), person("eve@acme.example")],
        oauthClients,
      },
      { domain: "gmail.example", consumer: true, users: [person("someone@gmail.example")], oauthClients },
    ],
  });
  const env = {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    PUBLIC_AUTH_URL: authUrl,
    ALLOWED_RETURN_ORIGINS: APP,
    DEFAULT_RETURN_URL: `${APP}/home`,
    GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
    GOOGLE_API_ROOT_URL: `${sim.url}/`,
    GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
  };
  [auth, api] = await Promise.all([
    startFunctionForTest("auth", emulators, env, port),
    startFunctionForTest("api", emulators, env),
    createTopics(emulators, ["audit-events", "contact-sync", "grant-status-changed"]),
  ]);
  db = new Firestore({ projectId: emulators.projectId });
  // acme is onboarded by the phone system, with ada as its first admin.
  const res = await fetch(`${api.url}/v1/telephony/orgs`, {
    method: "POST",
    headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      orgId: "acme",
      name: "Acme",
      primaryDomain: "acme.example",
      firstAdminEmail: "ada@acme.example",
      region: "GB",
      timeZone: "Europe/London",
    }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await Promise.all([auth?.stop(), api?.stop(), sim?.stop()]);
  await db?.terminate();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;
interface Outcome {
  status: number;
  location?: string;
  body?: Json;
  /** How many times the browser was sent to Google. */
  toGoogle: number;
  lastAuthorizationUrl?: URL;
}

/** The browser: our login route, Google's consent (as `email`), our callback, again while it sends us to Google. */
async function googleSignIn(
  email: string,
  opts: { org?: string; returnTo?: string; beforeCallback?: (callback: URL) => URL } = {},
): Promise<Outcome> {
  const params = new URLSearchParams({ return_to: opts.returnTo ?? `${APP}/signed-in`, login_hint: email });
  if (opts.org) params.set("org", opts.org);
  let res = await fetch(`${auth.url}/auth/google/login?${params}`, { redirect: "manual" });
  let toGoogle = 0;
  let lastAuthorizationUrl: URL | undefined;
  while (res.status === 302 && res.headers.get("location")?.startsWith(sim.url)) {
    toGoogle++;
    lastAuthorizationUrl = new URL(res.headers.get("location")!);
    const atGoogle = await fetch(lastAuthorizationUrl, { redirect: "manual" });
    expect(atGoogle.status).toBe(302);
    let callback = new URL(atGoogle.headers.get("location")!);
    expect(callback.pathname).toBe("/auth/google/callback");
    if (opts.beforeCallback) callback = opts.beforeCallback(callback);
    res = await fetch(callback, { redirect: "manual" });
  }
  const location = res.headers.get("location") ?? undefined;
  const body = location ? undefined : await res.json();
  return {
    status: res.status,
    toGoogle,
    ...(location ? { location } : {}),
    ...(body ? { body } : {}),
    ...(lastAuthorizationUrl ? { lastAuthorizationUrl } : {}),
  };
}

async function exchange(location: string): Promise<{ accessToken: string }> {
  const code = new URL(location).searchParams.get("code");
  const res = await fetch(`${api.url}/v1/session/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string };
}

async function callApi(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Signs in (must succeed) and returns the session's access token. */
async function signedIn(email: string): Promise<string> {
  const outcome = await googleSignIn(email);
  expect(outcome.status, JSON.stringify(outcome.body)).toBe(303);
  return (await exchange(outcome.location!)).accessToken;
}

const audits = async () => (await pullPublished(emulators, "audit-events")) as AuditEvent[];
const sessionCount = async () => (await db.collectionGroup("sessions").get()).size;
const loginCodeCount = async () => (await db.collection("loginCodes").get()).size;

describe("a new company onboards itself through its super admin's Google sign-in", () => {
  it("asks for the basic profile and Contacts with offline access, PKCE S256, a state and a nonce", async () => {
    const res = await fetch(
      `${auth.url}/auth/google/login?return_to=${encodeURIComponent(`${APP}/x`)}&login_hint=ada@acme.example&org=acme`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get("location")!);
    expect(url.origin + url.pathname).toBe(`${sim.url}/o/oauth2/v2/auth`);
    const q = url.searchParams;
    expect(q.get("scope")!.split(" ").sort()).toEqual(
      [
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
        "https://www.googleapis.com/auth/contacts",
        "https://www.googleapis.com/auth/directory.readonly",
      ].sort(),
    );
    expect(q.get("access_type")).toBe("offline");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("redirect_uri")).toBe(`${auth.url}/auth/google/callback`);
    expect(q.get("hd")).toBe("acme.example");
    expect(q.get("login_hint")).toBe("ada@acme.example");
  });

  it("creates the org for the customer's super admin (with its verified domains), signs them in and connects Contacts", async () => {
    const before = await googleSignIn("peter@initech.example");
    expect(before.status).toBe(403); // a colleague before setup
    expect(before.body.error.code).toBe("org_not_set_up");
    expect(before.body.error.message).toMatch(/super admin must sign in first/);
    await audits();

    const outcome = await googleSignIn("bill@initech.example");
    expect(outcome.status, JSON.stringify(outcome.body)).toBe(303);
    // Twice to Google: sign-in, then (for an unknown company only) the Directory scopes.
    expect(outcome.toGoogle).toBe(2);
    expect(outcome.lastAuthorizationUrl!.searchParams.get("scope")).toContain(
      "admin.directory.user.readonly",
    );
    expect(outcome.location).toMatch(new RegExp(`^${APP}/signed-in\\?code=`));
    const { accessToken } = await exchange(outcome.location!);
    const me = await callApi(accessToken, "GET", "/v1/me");
    expect(me.body).toMatchObject({ email: "bill@initech.example", role: "admin" });
    const org = await callApi(accessToken, "GET", "/v1/admin/org");
    expect(org.body).toMatchObject({
      id: me.body.orgId,
      primaryDomain: "initech.example",
      domains: ["initech.example", "initech-labs.example"],
      googleCustomerId: "C0initech",
      createdBy: "self_service",
    });
    // Contacts is connected at sign-in, and its first sync requested.
    const integrations = await callApi(accessToken, "GET", "/v1/integrations");
    expect(integrations.body.integrations.find((i: Json) => i.name === "contacts")).toMatchObject({
      status: "connected",
      googleEmail: "bill@initech.example",
    });
    const syncs = (await pullPublished(emulators, "contact-sync")) as Json[];
    expect(syncs).toContainEqual(expect.objectContaining({ orgId: me.body.orgId, userId: me.body.id }));
    const events = await audits();
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(["org.created", "sso.login.succeeded", "integration.connected"]),
    );
    expect(events.find((e) => e.action === "org.created")).toMatchObject({
      orgId: me.body.orgId,
      actor: { type: "google" },
      details: { via: "self_service", googleCustomerId: "C0initech" },
    });

    // Signing in again is one trip to Google, into the same org.
    const again = await googleSignIn("bill@initech.example");
    expect(again).toMatchObject({ status: 303, toGoogle: 1 });
    expect((await db.collection("orgs").where("googleCustomerId", "==", "C0initech").get()).size).toBe(1);
  });

  it("lets a colleague in after setup only when the admin turns JIT on", async () => {
    const refused = await googleSignIn("milton@initech.example");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("user_not_provisioned");
    const admin = await signedIn("bill@initech.example");
    expect((await callApi(admin, "PATCH", "/v1/admin/org", { jit: true })).status).toBe(200);
    const colleague = await signedIn("milton@initech.example");
    expect((await callApi(colleague, "GET", "/v1/me")).body).toMatchObject({
      email: "milton@initech.example",
      role: "user",
    });
    const peter = await signedIn("peter@initech.example");
    expect((await callApi(peter, "GET", "/v1/me")).body.role).toBe("user");
  });

  it("refuses a non-admin and a delegated (not super) admin of an unknown company with org_not_set_up", async () => {
    for (const email of ["homer@globex.example", "hank@globex.example"]) {
      const outcome = await googleSignIn(email);
      expect(outcome.status, email).toBe(403);
      expect(outcome.body.error).toMatchObject({
        code: "org_not_set_up",
        details: { domain: "globex.example" },
      });
    }
    expect((await db.collection("orgs").where("primaryDomain", "==", "globex.example").get()).size).toBe(0);
  });

  it("refuses a consumer Google account (no hd) with workspace_account_required", async () => {
    const sessions = await sessionCount();
    const outcome = await googleSignIn("someone@gmail.example");
    expect(outcome.status).toBe(403);
    expect(outcome.body.error.code).toBe("workspace_account_required");
    expect(await sessionCount()).toBe(sessions);
  });
});

describe("an org onboarded by the phone system", () => {
  it("signs its first admin in, and honours org= only for the org the account belongs to", async () => {
    const token = await signedIn("ada@acme.example");
    expect((await callApi(token, "GET", "/v1/me")).body).toMatchObject({ orgId: "acme", role: "admin" });
    const wrongOrg = await googleSignIn("ada@acme.example", { org: await initechOrgId() });
    expect(wrongOrg.status).toBe(403);
    expect(wrongOrg.body.error.code).toBe("org_mismatch");
    // An account of a company not onboarded, sent to sign in to acme, never starts onboarding.
    const unknownCompany = await googleSignIn("homer@globex.example", { org: "acme" });
    expect(unknownCompany).toMatchObject({ status: 403, toGoogle: 1 });
    expect(unknownCompany.body.error.code).toBe("org_mismatch");
  });

  it("requires SAML when told to: users are refused, an admin may still use Google as break-glass (audited)", async () => {
    const admin = await signedIn("ada@acme.example");
    await callApi(admin, "PATCH", "/v1/admin/org", { jit: true });
    expect((await googleSignIn("alan@acme.example")).status).toBe(303);
    const policy = await callApi(admin, "PATCH", "/v1/admin/org", { signInPolicy: { requireSaml: true } });
    expect(policy.body.signInPolicy).toEqual({ google: true, saml: true, requireSaml: true });
    await audits();
    const user = await googleSignIn("alan@acme.example");
    expect(user.status).toBe(403);
    expect(user.body.error.code).toBe("sign_in_method_not_allowed");
    const breakGlass = await googleSignIn("ada@acme.example");
    expect(breakGlass.status).toBe(303);
    const events = await audits();
    expect(events.find((e) => e.action === "sso.login.break_glass")).toMatchObject({ orgId: "acme" });
    expect(events.find((e) => e.action === "sso.login.refused")).toMatchObject({
      orgId: "acme",
      reason: "sign_in_method_not_allowed",
    });
    await callApi(admin, "PATCH", "/v1/admin/org", { signInPolicy: { requireSaml: false, google: false } });
    expect((await googleSignIn("ada@acme.example")).body.error.code).toBe("sign_in_method_not_allowed");
    await callApi(admin, "PATCH", "/v1/admin/org", { signInPolicy: { google: true } });
  });

  it("follows Google's key rotation: a token signed by a new kid verifies after the JWKS is fetched again", async () => {
    await signedIn("ada@acme.example");
    sim.control.rotateSigningKey();
    await signedIn("ada@acme.example");
  });
});

describe("tampering is refused with a stable code, and leaves no session and no login code", () => {
  const cases: Array<[string, IdTokenTamper, string]> = [
    [
      "a payload changed after signing (hd)",
      { alteredPayload: { hd: "initech.example" } },
      "google_id_token_invalid",
    ],
    [
      "a payload changed after signing (email)",
      { alteredPayload: { email: "bill@initech.example" } },
      "google_id_token_invalid",
    ],
    ["a signature by a key Google never published", { unknownKey: true }, "google_id_token_invalid"],
    [
      "another client's audience",
      { audience: "other.apps.googleusercontent.com" },
      "google_id_token_invalid",
    ],
    ["another issuer", { issuer: "https://accounts.evil.example" }, "google_id_token_invalid"],
    ["an expired id_token", { expiredSecondsAgo: 120 }, "google_id_token_invalid"],
    ["another sign-in's nonce", { nonce: "a-nonce-from-another-sign-in" }, "google_nonce_mismatch"],
    ["no hd (a Workspace account made to look personal)", { hd: null }, "workspace_account_required"],
    ["an unverified email", { emailVerified: false }, "google_email_unverified"],
  ];
  for (const [name, tamper, code] of cases) {
    it(`refuses ${name} with ${code}`, async () => {
      const [sessions, codes] = [await sessionCount(), await loginCodeCount()];
      sim.control.tamperIdTokens("eve@acme.example", tamper);
      const outcome = await googleSignIn("eve@acme.example");
      expect(outcome.status).toBe(403);
      expect(outcome.body.error.code).toBe(code);
      expect([await sessionCount(), await loginCodeCount()]).toEqual([sessions, codes]);
    });
  }

  it("refuses a tampered, replayed or missing state with oauth_state_invalid", async () => {
    const tampered = await googleSignIn("ada@acme.example", {
      beforeCallback: (u) => {
        u.searchParams.set("state", `${u.searchParams.get("state")!.slice(0, -2)}AA`);
        return u;
      },
    });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.code).toBe("oauth_state_invalid");
    let used: URL | undefined;
    const first = await googleSignIn("ada@acme.example", { beforeCallback: (u) => (used = u) });
    expect(first.status).toBe(303);
    const replay = await fetch(used!, { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as Json).error.code).toBe("oauth_state_invalid");
    const missing = await fetch(`${auth.url}/auth/google/callback?code=x`, { redirect: "manual" });
    expect(missing.status).toBe(400);
  });

  it("refuses a return URL outside the app's origins before sending anyone to Google", async () => {
    const res = await fetch(
      `${auth.url}/auth/google/login?return_to=${encodeURIComponent("https://evil.example/x")}`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe("return_url_not_allowed");
  });
});

async function initechOrgId(): Promise<string> {
  const snap = await db.collection("orgs").where("googleCustomerId", "==", "C0initech").get();
  return snap.docs[0]!.id;
}
