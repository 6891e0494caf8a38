// How Google's tokens fail, through the real auth client: invalid_grant in its several wordings
// (AlphaTiles/AlphaTiles#107, GAM-team/GAM#1171, googleapis/google-api-ruby-client#720), a revocation
// that takes a while to take effect (Google's OAuth web-server guide: "it might take some time before
// the revocation has full effect"; how long is unconfirmed, so the simulator waits), and access tokens
// that die before their expiry (the 401 "ACCESS_TOKEN_TYPE_UNSUPPORTED" a journey met on People).
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES, simOAuthEndpoints, simServiceAccountClient } from "../index";
import {
  ALICE,
  BOB,
  CLIENT,
  googleError,
  peopleClient,
  SERVICE_ACCOUNT,
  startTestSim,
} from "../test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

const issue = (user: string) =>
  sim.control.issueTokens({ user, clientId: CLIENT.clientId, scopes: [SCOPES.contacts] });

/** The real client's refresh, returning Google's OAuth error body when it fails. */
async function refresh(refreshToken: string) {
  const auth = new OAuth2Client({ ...CLIENT, endpoints: simOAuthEndpoints(sim.url) });
  auth.setCredentials({ refresh_token: refreshToken });
  try {
    const { credentials } = await auth.refreshAccessToken();
    return { ok: true as const, accessToken: credentials.access_token! };
  } catch (error) {
    const e = error as { response?: { status: number; data: unknown } };
    return { ok: false as const, status: e.response?.status, body: e.response?.data };
  }
}

/** A People call with exactly this access token (no refresh token, so the client cannot hide a 401). */
function listWith(accessToken: string) {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: accessToken, expiry_date: Date.now() + 3_000_000 });
  return peopleClient(sim, auth).people.connections.list({
    resourceName: "people/me",
    personFields: "names",
  });
}

const lag = () => sim.control.settings().oauth.revocationLagMs;

describe("invalid_grant wordings", () => {
  it("'Token has been expired or revoked.' while Google remembers the token, then plain 'Bad Request' (AlphaTiles/AlphaTiles#107)", async () => {
    const t = issue(ALICE);
    sim.control.revokeGrant(ALICE, CLIENT.clientId);
    sim.control.advanceClock(lag());
    expect(await refresh(t.refresh_token!)).toEqual({
      ok: false,
      status: 400,
      body: { error: "invalid_grant", error_description: "Token has been expired or revoked." },
    });
    sim.control.advanceClock({ hours: 12 });
    expect(await refresh(t.refresh_token!)).toEqual({
      ok: false,
      status: 400,
      body: { error: "invalid_grant", error_description: "Bad Request" },
    });
  });

  it("'The account has been deleted' for a recently deleted user (GAM-team/GAM#1171)", async () => {
    sim.control.addUser({ email: "eve@acme.test", givenName: "Eve", familyName: "Leaver" });
    const t = issue("eve@acme.test");
    sim.control.deleteUser("eve@acme.test");
    expect(await refresh(t.refresh_token!)).toMatchObject({
      status: 400,
      body: { error: "invalid_grant", error_description: "The account has been deleted" },
    });
  });

  it("'Robot is disabled.' for a disabled service account (googleapis/google-api-ruby-client#720)", async () => {
    sim.control.disableServiceAccount(SERVICE_ACCOUNT);
    try {
      const jwt = simServiceAccountClient(sim.url, sim.control.serviceAccountKey(SERVICE_ACCOUNT), {
        scopes: [SCOPES.adminUserReadonly],
        subject: "ada@acme.test",
      });
      const err = await googleError(jwt.authorize());
      expect(err.body).toEqual({ error: "invalid_grant", error_description: "Robot is disabled." });
    } finally {
      sim.control.disableServiceAccount(SERVICE_ACCOUNT, false);
    }
  });
});

describe("revocation is not instantaneous", () => {
  it("a revoked grant's refresh and access tokens keep working until the revocation has propagated", async () => {
    const t = issue(BOB);
    sim.control.revokeGrant(BOB, CLIENT.clientId);
    const early = await refresh(t.refresh_token!);
    expect(early.ok).toBe(true);
    expect((await listWith(t.access_token)).status).toBe(200);
    sim.control.advanceClock(lag());
    expect(await refresh(t.refresh_token!)).toMatchObject({ ok: false, body: { error: "invalid_grant" } });
    expect((await googleError(listWith(t.access_token))).status).toBe(401);
  });
});

describe("access tokens that die early", () => {
  it("a killed access token answers 401 before its expiry while the refresh token still works", async () => {
    const t = issue(ALICE);
    expect((await listWith(t.access_token)).status).toBe(200);
    expect(sim.control.killAccessTokens(ALICE, CLIENT.clientId)).toBeGreaterThan(0);
    const err = await googleError(listWith(t.access_token));
    expect(err.status).toBe(401);
    expect(err.body.error).toMatchObject({
      status: "UNAUTHENTICATED",
      details: [{ reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED" }],
    });
    const renewed = await refresh(t.refresh_token!);
    expect(renewed.ok).toBe(true);
    expect((await listWith(renewed.ok ? renewed.accessToken : "")).status).toBe(200);
  });

  it("the '401' fault answers a live token with Google's 401, as often as asked", async () => {
    const t = issue(ALICE);
    sim.control.injectFault({ api: "people", user: ALICE, fail: "401", times: 1 });
    const err = await googleError(listWith(t.access_token));
    expect(err.status).toBe(401);
    expect(err.body.error.message).toMatch(/^Request had invalid authentication credentials/);
    expect((await listWith(t.access_token)).status).toBe(200);
  });
});
