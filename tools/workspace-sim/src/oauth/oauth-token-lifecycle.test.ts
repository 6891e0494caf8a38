// How tokens die, by the simulator's clock: access tokens after 3599 s, refresh tokens on revocation
// (cascading over the whole grant), beyond 100 per user and client, after 7 days in Testing mode,
// and when the user is suspended. Every dead refresh token answers invalid_grant.
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES, simOAuthEndpoints } from "../index";
import { ALICE, acmeSeed, BOB, CLIENT, googleError, peopleClient, startTestSim } from "../test-support";

const TESTING_CLIENT = {
  clientId: "testing-app.apps.googleusercontent.com",
  clientSecret: "s3cret",
  redirectUri: "http://127.0.0.1:9/cb",
};
const EXPIRED_OR_REVOKED = {
  error: "invalid_grant",
  error_description: "Token has been expired or revoked.",
};

let sim: RunningWorkspaceSim;
const client = (c: { clientId: string; clientSecret: string } = CLIENT) =>
  new OAuth2Client({ ...c, endpoints: simOAuthEndpoints(sim.url) });

async function refreshWith(refreshToken: string, c: { clientId: string; clientSecret: string } = CLIENT) {
  const res = await fetch(`${sim.url}/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: c.clientId,
      client_secret: c.clientSecret,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const seed = acmeSeed();
  seed.oauthClients!.push({
    ...TESTING_CLIENT,
    redirectUris: [TESTING_CLIENT.redirectUri],
    testingMode: true,
  });
  sim = await startTestSim({}, seed);
});
afterAll(() => sim.stop());

describe("access tokens", () => {
  it("expire 3599 seconds after issue by the sim clock: the API answers 401 UNAUTHENTICATED", async () => {
    const tokens = sim.control.issueTokens({
      user: ALICE,
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contacts],
      offline: false,
    });
    expect(tokens.expires_in).toBe(3599);
    const auth = client();
    auth.setCredentials({ access_token: tokens.access_token });
    const api = peopleClient(sim, auth);
    await api.people.connections.list({ resourceName: "people/me", personFields: "names" });
    sim.control.advanceClock({ seconds: 3600 });
    const err = await googleError(
      api.people.connections.list({ resourceName: "people/me", personFields: "names" }),
    );
    expect(err.status).toBe(401);
    expect(err.body.error).toMatchObject({
      code: 401,
      status: "UNAUTHENTICATED",
      errors: [{ reason: "authError" }],
    });
  });

  it("are renewed transparently by the real client with its refresh token after expiry", async () => {
    const tokens = sim.control.issueTokens({
      user: ALICE,
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contacts],
    });
    const auth = client();
    auth.setCredentials({ access_token: tokens.access_token, refresh_token: tokens.refresh_token! });
    sim.control.advanceClock({ hours: 2 });
    const res = await peopleClient(sim, auth).people.connections.list({
      resourceName: "people/me",
      personFields: "names",
    });
    expect(res.status).toBe(200);
    expect(auth.credentials.access_token).not.toBe(tokens.access_token);
  });

  it("tokeninfo reports the scopes and remaining lifetime", async () => {
    const tokens = sim.control.issueTokens({
      user: ALICE,
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contacts, "email"],
    });
    const info = await client().getTokenInfo(tokens.access_token);
    expect(info.scopes.sort()).toEqual([SCOPES.contacts, SCOPES.email].sort());
    expect(info.email).toBe(ALICE);
    expect(info.aud).toBe(CLIENT.clientId);
  });
  it("tokeninfo validates an id_token and returns its claims", async () => {
    const tokens = sim.control.issueTokens({
      user: ALICE,
      clientId: CLIENT.clientId,
      scopes: ["openid", "email"],
    });
    const res = await fetch(`${sim.url}/tokeninfo?id_token=${tokens.id_token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      iss: "https://accounts.google.com",
      aud: CLIENT.clientId,
      email: ALICE,
    });
    const bad = await fetch(`${sim.url}/tokeninfo?id_token=${tokens.id_token!.slice(0, -4)}AAAA`);
    expect(bad.status).toBe(400);
  });
});

describe("refresh tokens", () => {
  it("revoking the access token revokes every token of the grant", async () => {
    const a = sim.control.issueTokens({ user: BOB, clientId: CLIENT.clientId, scopes: [SCOPES.contacts] });
    const b = sim.control.issueTokens({
      user: BOB,
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contactsReadonly],
    });
    await client().revokeToken(a.access_token);
    sim.control.advanceClock(sim.control.settings().oauth.revocationLagMs); // token-failures.test.ts
    expect(await refreshWith(a.refresh_token!)).toEqual({ status: 400, body: EXPIRED_OR_REVOKED });
    expect(await refreshWith(b.refresh_token!)).toEqual({ status: 400, body: EXPIRED_OR_REVOKED });
    const auth = client();
    auth.setCredentials({ access_token: b.access_token });
    const err = await googleError(
      peopleClient(sim, auth).people.connections.list({ resourceName: "people/me", personFields: "names" }),
    );
    expect(err.status).toBe(401);
    expect(sim.control.grantedScopes(BOB, CLIENT.clientId)).toEqual([]);
  });

  it("revoking an unknown token answers 400 invalid_token", async () => {
    const res = await fetch(`${sim.url}/revoke?token=nonsense`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_token");
  });

  it("keeps at most 100 live refresh tokens per user and client: the oldest silently dies", async () => {
    const first = sim.control.issueTokens({
      user: "ada@acme.test",
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contacts],
    });
    for (let i = 0; i < 99; i++)
      sim.control.issueTokens({
        user: "ada@acme.test",
        clientId: CLIENT.clientId,
        scopes: [SCOPES.contacts],
      });
    expect((await refreshWith(first.refresh_token!)).status).toBe(200);
    const second = sim.control.issueTokens({
      user: "ada@acme.test",
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contacts],
    });
    expect(await refreshWith(first.refresh_token!)).toEqual({ status: 400, body: EXPIRED_OR_REVOKED });
    expect((await refreshWith(second.refresh_token!)).status).toBe(200);
    expect(sim.control.liveRefreshTokenCount("ada@acme.test", CLIENT.clientId)).toBe(100);
  });

  it("die 7 days after issue for an app in Testing mode, unless they carry only identity scopes", async () => {
    const data = sim.control.issueTokens({
      user: ALICE,
      clientId: TESTING_CLIENT.clientId,
      scopes: [SCOPES.contacts],
    });
    const identity = sim.control.issueTokens({
      user: ALICE,
      clientId: TESTING_CLIENT.clientId,
      scopes: ["openid", "email"],
    });
    sim.control.advanceClock({ days: 6, hours: 23 });
    expect((await refreshWith(data.refresh_token!, TESTING_CLIENT)).status).toBe(200);
    sim.control.advanceClock({ hours: 1 });
    expect(await refreshWith(data.refresh_token!, TESTING_CLIENT)).toEqual({
      status: 400,
      body: EXPIRED_OR_REVOKED,
    });
    expect((await refreshWith(identity.refresh_token!, TESTING_CLIENT)).status).toBe(200);
  });

  it("stop working when the user is suspended", async () => {
    const t = sim.control.issueTokens({
      user: "alice@acme.test",
      clientId: CLIENT.clientId,
      scopes: [SCOPES.contacts],
    });
    sim.control.suspendUser(ALICE);
    try {
      expect(await refreshWith(t.refresh_token!)).toEqual({ status: 400, body: EXPIRED_OR_REVOKED });
    } finally {
      sim.control.suspendUser(ALICE, false);
    }
  });

  it("an injected token-endpoint outage answers in the OAuth body shape, then recovers", async () => {
    const t = sim.control.issueTokens({ user: ALICE, clientId: CLIENT.clientId, scopes: [SCOPES.contacts] });
    sim.control.injectFault({ api: "oauth", method: "oauth.token", fail: "503", times: 1 });
    expect(await refreshWith(t.refresh_token!)).toEqual({
      status: 503,
      body: { error: "temporarily_unavailable", error_description: "The service is currently unavailable." },
    });
    expect((await refreshWith(t.refresh_token!)).status).toBe(200);
  });

  it("cannot be used by another client", async () => {
    const t = sim.control.issueTokens({ user: ALICE, clientId: CLIENT.clientId, scopes: [SCOPES.contacts] });
    const res = await refreshWith(t.refresh_token!, TESTING_CLIENT);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("unauthorized_client");
  });
});
