// Sign-in end to end: the simulator's Google IdP, the bundled auth and api functions over real HTTP,
// the Firestore and Pub/Sub emulators. Every attack is refused with its code and leaves no session.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { parseIdpMetadata } from "../../shared/identity/idp-metadata";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import { firestoreSsoConfigRepository } from "../../shared/identity/sso-config";
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

const emulators = useEmulators("auth");
const APP = "http://app.switchboard.test";
let sim: RunningWorkspaceSim;
let auth: RunningFunction;
let api: RunningFunction;
let db: Firestore;
let acsUrl: string;

const org = (
  id: string,
  domain: string,
  idpId: string,
  users: Array<{ email: string; suspended?: boolean }>,
) => ({
  id,
  domain,
  idpId,
  users: users.map((u) => ({ givenName: u.email.split("@")[0]!, familyName: "Test", ...u })),
  samlApp: { entityId: `${auth.url}/saml/metadata`, acsUrl, startUrl: `${APP}/home` },
});

beforeAll(async () => {
  const port = await freePort();
  const authUrl = `http://127.0.0.1:${port}`;
  acsUrl = `${authUrl}/saml/acs`;
  const secretsFile = await writeSecretsFile({ "session-signing-keys": await newSigningKeyRing() });
  const env = {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    PUBLIC_AUTH_URL: authUrl,
    ALLOWED_RETURN_ORIGINS: APP,
    DEFAULT_RETURN_URL: `${APP}/home`,
  };
  [sim, auth, api] = await Promise.all([
    startWorkspaceSim({ port: 0 }),
    startFunctionForTest("auth", emulators, env, port),
    startFunctionForTest("api", emulators, env),
    createTopics(emulators, ["audit-events"]),
  ]);
  sim.control.seed({
    orgs: [
      org("acme", "acme.example", "acme-idp", [
        { email: "alice@acme.example" },
        { email: "sam@acme.example", suspended: false },
        { email: "mallory@acme.example" },
      ]),
      org("globex", "globex.example", "globex-idp", [
        { email: "gina@globex.example" },
        { email: "alice@globex.example" },
      ]),
    ],
  });
  db = new Firestore({ projectId: emulators.projectId });
  const users = firestoreUserRepository(db);
  await users.create({
    id: "u-alice",
    orgId: "acme",
    email: "alice@acme.example",
    role: "user",
    status: "active",
    licensed: true,
  });
  await users.create({
    id: "u-admin",
    orgId: "acme",
    email: "mallory@acme.example",
    role: "admin",
    status: "active",
    licensed: true,
  });
  await users.create({
    id: "u-sam",
    orgId: "acme",
    email: "sam@acme.example",
    role: "user",
    status: "suspended",
    licensed: true,
  });
  await users.create({
    id: "u-gina",
    orgId: "globex",
    email: "gina@globex.example",
    role: "user",
    status: "active",
    licensed: true,
  });
  const sso = firestoreSsoConfigRepository(db);
  for (const [orgId, idpId] of [
    ["acme", "acme-idp"],
    ["globex", "globex-idp"],
  ] as const) {
    const metadata = parseIdpMetadata(sim.saml!.metadataXml(idpId));
    await sso.save(orgId, {
      idpEntityId: metadata.entityId,
      ssoUrl: metadata.ssoUrl,
      certificates: metadata.certificates,
      allowIdpInitiated: false,
      jitProvisioning: false,
      updatedAt: new Date().toISOString(),
    });
  }
});

afterAll(async () => {
  await Promise.all([auth?.stop(), api?.stop(), sim?.stop()]);
  await db?.terminate();
});

const postAcs = (form: { SAMLResponse: string; RelayState?: string }) =>
  fetch(acsUrl, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });

/** SP-initiated: our login redirect, then the simulated Google sign-in as `email`. */
async function googleSignIn(email: string, orgId = "acme", returnTo = `${APP}/signed-in`) {
  const start = await fetch(`${auth.url}/saml/login?org=${orgId}&return_to=${encodeURIComponent(returnTo)}`, {
    redirect: "manual",
  });
  expect(start.status).toBe(302);
  const idp = new URL(start.headers.get("location")!);
  idp.searchParams.set("sim_user", email);
  const answer = await fetch(idp, { headers: { accept: "application/json" } });
  expect(answer.status).toBe(200);
  return (await answer.json()) as {
    acsUrl: string;
    SAMLResponse: string;
    RelayState: string;
    inResponseTo: string;
  };
}

async function exchange(location: string | null) {
  const code = new URL(location!).searchParams.get("code")!;
  const res = await fetch(`${api.url}/v1/session/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  return {
    res,
    body: (await res.json()) as { accessToken: string; refreshToken: string; expiresIn: number },
  };
}

const loginCodes = async () => (await db.collection("loginCodes").get()).size;
const sessionsOf = async (orgId: string) => (await db.collection(`orgs/${orgId}/sessions`).get()).size;

describe("SP-initiated sign-in", () => {
  it("signs a provisioned user in and returns to the app with a one-time code that becomes a session", async () => {
    const google = await googleSignIn("alice@acme.example");
    expect(google.acsUrl).toBe(acsUrl);
    const res = await postAcs(google);
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location.startsWith(`${APP}/signed-in?code=`)).toBe(true);
    const { res: exchanged, body } = await exchange(location);
    expect(exchanged.status).toBe(200);
    expect(body.expiresIn).toBe(900);
    const me = await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(await me.json()).toMatchObject({
      id: "u-alice",
      orgId: "acme",
      email: "alice@acme.example",
      role: "user",
    });
    const again = await exchange(location);
    expect(again.res.status).toBe(401); // the code is single-use
    // Signed in, Alice is using the app: her contacts sync on the frequent (5-minute) schedule.
    const schedule = await db.doc("orgs/acme/users/u-alice/syncSchedule/contacts").get();
    expect(schedule.get("activeAt")).toBeDefined();
  });

  it("refuses a return URL outside the app's origins before sending anyone to Google", async () => {
    const res = await fetch(
      `${auth.url}/saml/login?org=acme&return_to=${encodeURIComponent("https://evil.example/steal")}`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "return_url_not_allowed" } });
  });

  it("serves SP metadata with the ACS URL", async () => {
    const res = await fetch(`${auth.url}/saml/metadata`);
    expect(res.headers.get("content-type")).toMatch(/samlmetadata\+xml/);
    expect(await res.text()).toContain(`Location="${acsUrl}"`);
  });
});

describe("IdP-initiated sign-in (Google's app launcher)", () => {
  it("is refused while the org does not allow it, and accepted once it does", async () => {
    const google = await sim.saml!.loginResponse({ idpId: "acme-idp", email: "alice@acme.example" });
    const refused = await postAcs(google);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "saml_unsolicited" } });
    await db.doc("orgs/acme").set({ sso: { allowIdpInitiated: true } }, { merge: true });
    const fresh = await sim.saml!.loginResponse({ idpId: "acme-idp", email: "alice@acme.example" });
    const accepted = await postAcs(fresh);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toMatch(new RegExp(`^${APP}/home\\?code=`));
    await db.doc("orgs/acme").set({ sso: { allowIdpInitiated: false } }, { merge: true });
  });
});

describe("attacks on the ACS", () => {
  // Each forgery answers a login we really started, so only the attacked property is wrong.
  type Forge = (input: {
    idpId: string;
    email: string;
    inResponseTo: string;
    relayState: string;
  }) => Promise<{ SAMLResponse: string; RelayState?: string }>;
  const responseMode = { signResponse: true }; // Google's "Signed response": only the Response is signed
  const victim = { idpId: "acme-idp", email: "alice@acme.example" };
  const cases: Array<[string, Forge, string]> = [
    ["an unsigned assertion", (i) => sim.saml!.forge.unsigned(i), "saml_signature_invalid"],
    [
      "an unsigned response with an unsigned assertion ('Signed response' mode)",
      (i) => sim.saml!.forge.unsigned({ ...i, ...responseMode }),
      "saml_signature_invalid",
    ],
    [
      "a response re-signed with another key around an unsigned assertion",
      (i) => sim.saml!.forge.resignedWithOtherKey({ ...i, ...responseMode }),
      "saml_signature_invalid",
    ],
    [
      "a wrapped response signature (XSW2, against 'Signed response')",
      (i) => sim.saml!.forge.signatureWrapping({ ...i, variant: "response-wrap" }),
      "saml_signature_invalid",
    ],
    [
      "an RSA-SHA1 signature by the genuine key",
      (i) => sim.saml!.forge.weakAlgorithm({ ...i, weak: "signature" }),
      "saml_weak_algorithm",
    ],
    [
      "SHA-1 digests under the genuine key's signature",
      (i) => sim.saml!.forge.weakAlgorithm({ ...i, weak: "digest" }),
      "saml_weak_algorithm",
    ],
    [
      "a whole response signed with SHA-1",
      (i) => sim.saml!.forge.weakAlgorithm({ ...i, ...responseMode }),
      "saml_weak_algorithm",
    ],
    [
      "a non-Success status beside a validly signed assertion",
      (i) => sim.saml!.forge.errorStatus(i),
      "saml_status_not_success",
    ],
    [
      "an assertion re-signed with another key",
      (i) => sim.saml!.forge.resignedWithOtherKey(i),
      "saml_signature_invalid",
    ],
    [
      "a NameID altered after signing",
      (i) => sim.saml!.forge.alteredAfterSigning(i),
      "saml_signature_invalid",
    ],
    ["a NameID with an injected comment", (i) => sim.saml!.forge.commentInjection(i), "user_not_provisioned"],
    [
      "a wrapped signature (XSW3)",
      (i) => sim.saml!.forge.signatureWrapping({ ...i, variant: "sibling-before" }),
      "saml_signature_invalid",
    ],
    [
      "a wrapped signature (XSW4)",
      (i) => sim.saml!.forge.signatureWrapping({ ...i, variant: "wrapped-in-evil" }),
      "saml_signature_invalid",
    ],
    [
      "a moved signature",
      (i) => sim.saml!.forge.signatureWrapping({ ...i, variant: "signature-moved" }),
      "saml_signature_invalid",
    ],
    ["an expired assertion", (i) => sim.saml!.forge.expired(i), "saml_expired"],
    ["an assertion for another audience", (i) => sim.saml!.forge.wrongAudience(i), "saml_audience_mismatch"],
    [
      "an assertion for another recipient",
      (i) => sim.saml!.forge.wrongRecipient(i),
      "saml_recipient_mismatch",
    ],
    [
      "an assertion signed by another org's key",
      (i) => sim.saml!.forge.otherOrg({ ...i, otherIdpId: "globex-idp" }),
      "saml_signature_invalid",
    ],
    ["a DTD with entity expansion", (i) => sim.saml!.forge.withDoctype(i), "invalid_request"],
    [
      "an answer to a request we never issued",
      (i) => sim.saml!.loginResponse({ ...i, inResponseTo: "_00000000000000000000000000000000" }),
      "saml_unknown_request",
    ],
    [
      "an unsolicited response (IdP-initiated is off)",
      (i) => sim.saml!.loginResponse({ idpId: i.idpId, email: i.email }),
      "saml_unsolicited",
    ],
    [
      "a user of another org",
      (i) => sim.saml!.loginResponse({ ...i, idpId: "globex-idp", email: "alice@globex.example" }),
      "saml_unknown_request",
    ],
  ];

  it.each(cases)("refuses %s with its code, an audit event and no session", async (_, forge, code) => {
    const before = { codes: await loginCodes(), sessions: await sessionsOf("acme") };
    await pullPublished(emulators, "audit-events");
    const started = await googleSignIn("alice@acme.example");
    const res = await postAcs(
      await forge({ ...victim, inResponseTo: started.inResponseTo, relayState: started.RelayState }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toMatchObject({ error: { code } });
    expect(await loginCodes()).toBe(before.codes);
    expect(await sessionsOf("acme")).toBe(before.sessions);
    const audited = (await pullPublished(emulators, "audit-events")) as Array<{
      action: string;
      reason?: string;
    }>;
    if (code !== "invalid_request")
      expect(audited).toContainEqual(expect.objectContaining({ action: "sso.login.refused", reason: code }));
  });

  it("refuses garbage that is not base64 before parsing it", async () => {
    const res = await postAcs({ SAMLResponse: "<<<not base64>>>" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "saml_malformed" } });
  });

  it("refuses a replayed response", async () => {
    const google = await googleSignIn("alice@acme.example");
    expect((await postAcs(google)).status).toBe(303);
    const replay = await postAcs(google);
    expect(replay.status).toBe(403);
    expect(await replay.json()).toMatchObject({
      error: { code: expect.stringMatching(/saml_replayed|saml_unknown_request/) },
    });
  });

  it("refuses a replayed IdP-initiated response, which has no request id to consume", async () => {
    await db.doc("orgs/acme").set({ sso: { allowIdpInitiated: true } }, { merge: true });
    const { first, second } = await sim.saml!.forge.replay({
      idpId: "acme-idp",
      email: "alice@acme.example",
    });
    expect((await postAcs(first)).status).toBe(303);
    const replay = await postAcs(second);
    expect(await replay.json()).toMatchObject({ error: { code: "saml_replayed" } });
    await db.doc("orgs/acme").set({ sso: { allowIdpInitiated: false } }, { merge: true });
  });

  it("refuses a suspended account even with a genuine assertion", async () => {
    const res = await postAcs(await googleSignIn("sam@acme.example"));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "user_not_provisioned" } });
  });
});

describe("just-in-time provisioning", () => {
  it("creates the account of an unknown user on first sign-in only where the org allows it", async () => {
    const refused = await postAcs(await googleSignIn("alice@globex.example", "globex"));
    expect(await refused.json()).toMatchObject({ error: { code: "user_not_provisioned" } });
    await db.doc("orgs/globex").set({ sso: { jitProvisioning: true } }, { merge: true });
    const accepted = await postAcs(await googleSignIn("alice@globex.example", "globex"));
    expect(accepted.status).toBe(303);
    const created = await firestoreUserRepository(db).findByEmail("globex", "alice@globex.example");
    expect(created).toMatchObject({ role: "user", status: "active", licensed: true });
    await db.doc("orgs/globex").set({ sso: { jitProvisioning: false } }, { merge: true });
  });
});

describe("sessions", () => {
  async function signedIn(email = "alice@acme.example") {
    const res = await postAcs(await googleSignIn(email));
    return (await exchange(res.headers.get("location"))).body;
  }
  const refresh = (refreshToken: string) =>
    fetch(`${api.url}/v1/session/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken }),
    });

  it("rotates the refresh token, and reuse of an old one ends the whole session", async () => {
    const first = await signedIn();
    const rotated = await refresh(first.refreshToken);
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { refreshToken: string; accessToken: string };
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await refresh(first.refreshToken)).status).toBe(401); // stolen token replayed
    expect((await refresh(second.refreshToken)).status).toBe(401); // so the legitimate one dies too
  });

  it("a made-up token of an older generation is a plain 401 that ends nothing", async () => {
    const first = await signedIn();
    const second = (await (await refresh(first.refreshToken)).json()) as { refreshToken: string };
    // Anyone can read the session id from an access token's sid claim and forge generation 0.
    const [rt, org, sessionId] = second.refreshToken.split(".");
    const forged = `${rt}.${org}.${sessionId}.0.${"A".repeat(43)}`;
    expect((await refresh(forged)).status).toBe(401);
    expect((await refresh(second.refreshToken)).status).toBe(200); // the session goes on
  });

  it("a token naming an org id the store reserves is a 401, never a 500", async () => {
    const res = await refresh(
      `rt.__x__.${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}.0.${"A".repeat(43)}`,
    );
    expect(res.status).toBe(401);
  });

  it("logs out: the access token stops working", async () => {
    const session = await signedIn();
    const headers = { authorization: `Bearer ${session.accessToken}` };
    expect((await fetch(`${api.url}/v1/session/logout`, { method: "POST", headers })).status).toBe(204);
    const me = await fetch(`${api.url}/v1/me`, { headers });
    expect(me.status).toBe(401);
  });

  it("refuses a forged or missing access token", async () => {
    expect((await fetch(`${api.url}/v1/me`)).status).toBe(401);
    const session = await signedIn();
    const [h, p] = session.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url")}.${session.accessToken.split(".")[2]}`;
    const res = await fetch(`${api.url}/v1/admin/audit`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
  });
});

describe("admin routes", () => {
  it("lets an admin read only their org's audit trail, and refuses a plain user", async () => {
    const admin = await (async () => {
      const res = await postAcs(await googleSignIn("mallory@acme.example"));
      return (await exchange(res.headers.get("location"))).body;
    })();
    await db.collection("orgs/globex/audit").doc("g-1").set({ id: "g-1", orgId: "globex" });
    const res = await fetch(`${api.url}/v1/admin/audit?pageSize=5`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { events: Array<{ orgId: string }> };
    expect(page.events.every((e) => e.orgId === "acme")).toBe(true);
    const user = await (async () => {
      const r = await postAcs(await googleSignIn("alice@acme.example"));
      return (await exchange(r.headers.get("location"))).body;
    })();
    const refused = await fetch(`${api.url}/v1/admin/audit`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    expect(refused.status).toBe(403);
  });

  it("sets up SSO from Google's metadata XML and warns about certificates near expiry", async () => {
    const res = await postAcs(await googleSignIn("mallory@acme.example"));
    const admin = (await exchange(res.headers.get("location"))).body;
    sim.saml!.rotateCertificate("acme-idp");
    const put = await fetch(`${api.url}/v1/admin/sso`, {
      method: "PUT",
      headers: { authorization: `Bearer ${admin.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ metadataXml: sim.saml!.metadataXml("acme-idp") }),
    });
    expect(put.status).toBe(200);
    const body = (await put.json()) as { certificates: unknown[]; warnings: string[]; signing: unknown };
    expect(body.certificates).toHaveLength(2);
    expect(body.warnings).toEqual([]);
    // Same IdP, new certificate: what it was last seen signing still shows.
    expect(body.signing).toMatchObject({ signedPart: "assertion" });
    const bad = await fetch(`${api.url}/v1/admin/sso`, {
      method: "PUT",
      headers: { authorization: `Bearer ${admin.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ metadataXml: `<!DOCTYPE x [<!ENTITY a "b">]>${"<x/>".repeat(30)}` }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('what Google signs (the SAML app\'s "Signed response" box)', () => {
  const adminSso = async (accessToken: string) =>
    (await (
      await fetch(`${api.url}/v1/admin/sso`, { headers: { authorization: `Bearer ${accessToken}` } })
    ).json()) as { signing: { signedPart: string; since: string; meaning: string } | null };
  const signatureParents = (samlResponse: string) => {
    const xml = Buffer.from(samlResponse, "base64").toString("utf8");
    return {
      response: /^<saml2p:Response[^>]*><saml2:Issuer[^>]*>[^<]*<\/saml2:Issuer><ds:Signature/.test(xml),
      assertion: /<saml2:Assertion[^>]*><saml2:Issuer>[^<]*<\/saml2:Issuer><ds:Signature/.test(xml),
    };
  };

  it("signs in with a signed assertion or a signed whole response, and the admin's SSO page says which it last saw", async () => {
    const admin = (
      await exchange((await postAcs(await googleSignIn("mallory@acme.example"))).headers.get("location"))
    ).body;
    const assertionSigned = await googleSignIn("alice@acme.example");
    expect(signatureParents(assertionSigned.SAMLResponse)).toEqual({ response: false, assertion: true });
    expect((await postAcs(assertionSigned)).status).toBe(303);
    expect((await adminSso(admin.accessToken)).signing).toMatchObject({ signedPart: "assertion" });

    sim.saml!.configureApp("acme-idp", { signResponse: true });
    try {
      const responseSigned = await googleSignIn("alice@acme.example");
      expect(signatureParents(responseSigned.SAMLResponse)).toEqual({ response: true, assertion: false });
      const res = await postAcs(responseSigned);
      expect(res.status).toBe(303);
      expect((await exchange(res.headers.get("location"))).res.status).toBe(200);
      const seen = (await adminSso(admin.accessToken)).signing;
      expect(seen).toMatchObject({
        signedPart: "response",
        meaning: expect.stringContaining("Signed response"),
      });
      expect(Date.parse(seen!.since)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      sim.saml!.configureApp("acme-idp", { signResponse: false });
    }
  });
});

describe("stricter ACS", () => {
  it("binds the RelayState to the AuthnRequest it went out with", async () => {
    const before = { codes: await loginCodes(), sessions: await sessionsOf("acme") };
    const first = await googleSignIn("alice@acme.example");
    const second = await googleSignIn("alice@acme.example");
    const swapped = await postAcs({ SAMLResponse: second.SAMLResponse, RelayState: first.RelayState });
    expect(swapped.status).toBe(403);
    expect(await swapped.json()).toMatchObject({ error: { code: "saml_relay_state_mismatch" } });
    expect(await loginCodes()).toBe(before.codes);
    expect(await sessionsOf("acme")).toBe(before.sessions);
  });

  it("tolerates 30 s of clock skew by default: an assertion 15 s past its NotOnOrAfter passes, 45 s past is refused", async () => {
    // The simulated Google's clock runs behind, so its 5-minute window ends just before now.
    const signInIssuedAgo = async (ms: number) => {
      sim.control.advanceClock(-ms);
      try {
        return await googleSignIn("alice@acme.example");
      } finally {
        sim.control.advanceClock(ms);
      }
    };
    const window = 5 * 60_000;
    expect((await postAcs(await signInIssuedAgo(window + 15_000))).status).toBe(303);
    const late = await postAcs(await signInIssuedAgo(window + 45_000));
    expect(late.status).toBe(403);
    expect(await late.json()).toMatchObject({ error: { code: "saml_expired" } });
  });

  it("refuses pathological XML (145 KB nested or wide) before parsing it, and stays healthy", async () => {
    for (const shape of ["deep", "wide"] as const) {
      const started = await googleSignIn("alice@acme.example");
      const forged = await sim.saml!.forge.pathological({
        idpId: "acme-idp",
        email: "alice@acme.example",
        inResponseTo: started.inResponseTo,
        relayState: started.RelayState,
        shape,
      });
      expect(forged.SAMLResponse.length).toBeGreaterThan(190_000);
      const res = await postAcs(forged);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: {
          code: "saml_malformed",
          message: expect.stringMatching(/deeper than 20|more than 500 elements/),
        },
      });
    }
    const health = await fetch(`${auth.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  });

  it("takes the email from a PERSISTENT NameID (Google still sends the primary email) beside an AttributeStatement; refuses TRANSIENT", async () => {
    sim.saml!.configureApp("acme-idp", {
      nameIdFormat: "PERSISTENT",
      attributes: [
        { name: "email", field: "primaryEmail" },
        { name: "firstName", field: "firstName" },
      ],
    });
    try {
      const persistent = await googleSignIn("alice@acme.example");
      const xml = Buffer.from(persistent.SAMLResponse, "base64").toString("utf8");
      expect(xml).toContain("nameid-format:persistent");
      expect(xml).toContain("<saml2:AttributeStatement>");
      expect((await postAcs(persistent)).status).toBe(303);
      sim.saml!.configureApp("acme-idp", { nameIdFormat: "TRANSIENT" });
      const transient = await postAcs(await googleSignIn("alice@acme.example"));
      expect(transient.status).toBe(403);
      expect(await transient.json()).toMatchObject({
        error: {
          code: "saml_nameid_unsupported",
          message: expect.stringContaining("Name ID format to EMAIL"),
        },
      });
    } finally {
      sim.saml!.configureApp("acme-idp", { nameIdFormat: "EMAIL", attributes: [] });
    }
  });
});
