// OAuth consent and code exchange as Google does it: PKCE plus client_secret, refresh tokens only on
// first consent (or prompt=consent), granular consent, include_granted_scopes, signed id_tokens.
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES, simOAuthEndpoints } from "../index";
import { ALICE, BOB, CLIENT, consent, googleError, peopleClient, startTestSim } from "../test-support";

let sim: RunningWorkspaceSim;
const client = () => new OAuth2Client({ ...CLIENT, endpoints: simOAuthEndpoints(sim.url) });

beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

describe("authorization code flow", () => {
  it("exchanges a PKCE code for tokens whose scope lists what was granted, with a verifiable id_token", async () => {
    const auth = client();
    const { code, codeVerifier, params } = await consent(auth, {
      user: ALICE,
      scopes: ["openid", "email", SCOPES.contacts],
    });
    expect(params.get("state")).toBe("xyz");
    const { tokens } = await auth.getToken({ code: code!, codeVerifier: codeVerifier! });
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.scope?.split(" ").sort()).toEqual(["openid", SCOPES.contacts, SCOPES.email].sort());
    const ticket = await auth.verifyIdToken({ idToken: tokens.id_token!, audience: CLIENT.clientId });
    const claims = ticket.getPayload()!;
    expect(claims.iss).toBe("https://accounts.google.com");
    expect(claims.email).toBe(ALICE);
    expect(claims.email_verified).toBe(true);
    expect(claims.sub).toBe(sim.control.userResource(ALICE).id);
  });

  it("refuses a wrong PKCE verifier with invalid_grant", async () => {
    const auth = client();
    const { code } = await consent(auth, { user: BOB, scopes: ["openid"] });
    const err = await googleError(auth.getToken({ code: code!, codeVerifier: "x".repeat(50) }));
    expect(err.status).toBe(400);
    expect(err.body).toEqual({ error: "invalid_grant", error_description: "Invalid code verifier." });
  });

  it("still requires the client secret when PKCE is used", async () => {
    const auth = client();
    const { code, codeVerifier } = await consent(auth, { user: BOB, scopes: ["openid"] });
    const res = await fetch(`${sim.url}/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code!,
        code_verifier: codeVerifier!,
        client_id: CLIENT.clientId,
        redirect_uri: CLIENT.redirectUri,
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "invalid_request",
      error_description: "client_secret is missing.",
    });
  });

  it("refuses to redeem a code twice", async () => {
    const auth = client();
    const { code, codeVerifier } = await consent(auth, { user: BOB, scopes: ["openid"] });
    await auth.getToken({ code: code!, codeVerifier: codeVerifier! });
    const err = await googleError(auth.getToken({ code: code!, codeVerifier: codeVerifier! }));
    expect(err.body.error).toBe("invalid_grant");
  });
});

describe("refresh tokens and incremental consent", () => {
  it("returns a refresh token on first consent only, and again with prompt=consent", async () => {
    const auth = client();
    const user = "ada@acme.test";
    const first = await consent(auth, { user, scopes: [SCOPES.contactsReadonly] });
    expect(
      (await auth.getToken({ code: first.code!, codeVerifier: first.codeVerifier! })).tokens.refresh_token,
    ).toBeTruthy();
    const again = await consent(auth, { user, scopes: [SCOPES.contactsReadonly] });
    expect(
      (await auth.getToken({ code: again.code!, codeVerifier: again.codeVerifier! })).tokens.refresh_token,
    ).toBeUndefined();
    const forced = await consent(auth, {
      user,
      scopes: [SCOPES.contactsReadonly],
      extra: { prompt: "consent" },
    });
    expect(
      (await auth.getToken({ code: forced.code!, codeVerifier: forced.codeVerifier! })).tokens.refresh_token,
    ).toBeTruthy();
  });

  it("include_granted_scopes makes the new token carry earlier grants", async () => {
    const auth = client();
    const c1 = await consent(auth, { user: BOB, scopes: [SCOPES.contactsReadonly] });
    await auth.getToken({ code: c1.code!, codeVerifier: c1.codeVerifier! });
    const narrow = await consent(auth, { user: BOB, scopes: [SCOPES.directoryReadonly] });
    const narrowTokens = (await auth.getToken({ code: narrow.code!, codeVerifier: narrow.codeVerifier! }))
      .tokens;
    expect(narrowTokens.scope).toBe(SCOPES.directoryReadonly);
    const wide = await consent(auth, {
      user: BOB,
      scopes: [SCOPES.directoryReadonly],
      extra: { include_granted_scopes: "true" },
    });
    const wideTokens = (await auth.getToken({ code: wide.code!, codeVerifier: wide.codeVerifier! })).tokens;
    const scopes = wideTokens.scope?.split(" ").sort();
    expect(scopes).toEqual(expect.arrayContaining([SCOPES.contactsReadonly, SCOPES.directoryReadonly]));
    // Earlier tests granted bob "openid" too; the union is everything he ever granted this client.
    expect(scopes).toEqual(sim.control.grantedScopes(BOB, CLIENT.clientId).sort());
  });

  it("under granular consent a withheld scope is missing from `scope` and its API answers 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT", async () => {
    const auth = client();
    const c = await consent(auth, {
      user: ALICE,
      scopes: ["openid", SCOPES.contactsReadonly, SCOPES.directoryReadonly],
      extra: { sim_withhold_scopes: SCOPES.contactsReadonly },
    });
    expect(c.params.get("scope")?.split(" ")).not.toContain(SCOPES.contactsReadonly);
    const { tokens } = await auth.getToken({ code: c.code!, codeVerifier: c.codeVerifier! });
    expect(tokens.scope?.split(" ").sort()).toEqual(["openid", SCOPES.directoryReadonly].sort());
    const onlyAccess = client();
    onlyAccess.setCredentials({ access_token: tokens.access_token! });
    const err = await googleError(
      peopleClient(sim, onlyAccess).people.connections.list({
        resourceName: "people/me",
        personFields: "names",
      }),
    );
    expect(err.status).toBe(403);
    expect(err.body.error).toMatchObject({
      code: 403,
      status: "PERMISSION_DENIED",
      message: "Request had insufficient authentication scopes.",
      errors: [{ reason: "insufficientPermissions", domain: "global" }],
      details: [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT" },
      ],
    });
  });

  it("a consent the control API tells to deny redirects with error=access_denied", async () => {
    sim.control.setConsent(BOB, { deny: true });
    try {
      const c = await consent(client(), { user: BOB, scopes: [SCOPES.contacts] });
      expect(c.code).toBeNull();
      expect(c.params.get("error")).toBe("access_denied");
    } finally {
      sim.control.clearConsent();
    }
  });
});
