// Sign in with Google as the simulator plays it, checked with the packages Switchboard uses (jose for
// id_tokens, google-auth-library for the flow, @googleapis/admin for the Directory). Public sources:
//   - Google's OpenID Connect guide, https://developers.google.com/identity/openid-connect/openid-connect
//     ("An ID token's payload": hd only for users of a Google Cloud organization; nonce echoed; keys
//     from jwks_uri, which change regularly)
//   - Google's OIDC reference, https://developers.google.com/identity/openid-connect/reference (discovery)
//   - Directory API users resource (isAdmin = super administrator, isDelegatedAdmin) and domains.list,
//     https://developers.google.com/admin-sdk/directory/reference/rest/v1/users and .../v1/domains/list

import { OAuth2Client } from "google-auth-library";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simOAuthEndpoints } from "../client-options";
import { type RunningWorkspaceSim, SCOPES, startWorkspaceSim } from "../index";
import { CLIENT, consent, directoryClient, googleError } from "../test-support";

let sim: RunningWorkspaceSim;
const client = () => new OAuth2Client({ ...CLIENT, endpoints: simOAuthEndpoints(sim.url) });
const oauthClients = [{ ...CLIENT, redirectUris: [CLIENT.redirectUri] }];

beforeAll(async () => {
  sim = await startWorkspaceSim({
    seed: {
      orgs: [
        {
          domain: "initech.test",
          customerId: "C0initech",
          secondaryDomains: ["initech-labs.test"],
          users: [
            { email: "boss@initech.test", givenName: "Bill", familyName: "L", isAdmin: true },
            { email: "helpdesk@initech.test", givenName: "Hal", familyName: "D", isDelegatedAdmin: true },
            { email: "peter@initech.test", givenName: "Peter", familyName: "G" },
          ],
          oauthClients,
        },
        {
          domain: "globex.test",
          customerId: "C0globex",
          users: [{ email: "hank@globex.test", givenName: "Hank", familyName: "S", isAdmin: true }],
          oauthClients,
        },
        {
          domain: "gmail.test",
          consumer: true,
          users: [{ email: "someone@gmail.test", givenName: "Some", familyName: "One" }],
          oauthClients,
        },
      ],
    },
    saml: false,
  });
});
afterAll(() => sim.stop());

async function signIn(
  user: string,
  extra: Record<string, string> = {},
  scopes = ["openid", "email", "profile"],
) {
  const auth = client();
  const { code, codeVerifier, params } = await consent(auth, { user, scopes, extra });
  const { tokens } = await auth.getToken({ code: code!, codeVerifier: codeVerifier! });
  auth.setCredentials(tokens);
  return { tokens, params, auth };
}
const jwks = () => createRemoteJWKSet(new URL(`${sim.url}/oauth2/v3/certs`));
const verify = (idToken: string) =>
  jwtVerify(idToken, jwks(), {
    issuer: "https://accounts.google.com",
    audience: CLIENT.clientId,
    algorithms: ["RS256"],
  });

describe("OpenID Connect discovery and keys (Google's OIDC reference: discovery document)", () => {
  it("publishes the discovery document with Google's issuer, endpoints, RS256 and S256", async () => {
    const doc = await (await fetch(`${sim.url}/.well-known/openid-configuration`)).json();
    expect(doc).toMatchObject({
      issuer: "https://accounts.google.com",
      authorization_endpoint: `${sim.url}/o/oauth2/v2/auth`,
      token_endpoint: `${sim.url}/token`,
      jwks_uri: `${sim.url}/oauth2/v3/certs`,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    expect(doc.code_challenge_methods_supported).toContain("S256");
  });

  it("rotates keys: a new kid signs, and the JWKS lists it beside the previous one", async () => {
    const before = (await (await fetch(`${sim.url}/oauth2/v3/certs`)).json()).keys.map(
      (k: { kid: string }) => k.kid,
    );
    const kid = sim.control.rotateSigningKey();
    const after = (await (await fetch(`${sim.url}/oauth2/v3/certs`)).json()).keys.map(
      (k: { kid: string }) => k.kid,
    );
    expect(after).toEqual([kid, before[0]]);
    const { tokens } = await signIn("peter@initech.test");
    expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(kid);
    await expect(verify(tokens.id_token!)).resolves.toBeTruthy();
  });
});

describe("id_token claims (OpenID Connect guide: an ID token's payload)", () => {
  it("a Workspace user's id_token carries iss, aud, exp, the nonce, a verified email and hd", async () => {
    const { tokens, params } = await signIn("peter@initech.test", { nonce: "n-0S6_WzA2Mj" });
    const { payload } = await verify(tokens.id_token!);
    expect(payload).toMatchObject({
      iss: "https://accounts.google.com",
      aud: CLIENT.clientId,
      email: "peter@initech.test",
      email_verified: true,
      hd: "initech.test",
      nonce: "n-0S6_WzA2Mj",
      name: "Peter G",
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(params.get("hd")).toBe("initech.test");
  });

  it("a consumer account's id_token has no hd claim (only users of a Google Cloud organization get one)", async () => {
    const { tokens, params } = await signIn("someone@gmail.test");
    const { payload } = await verify(tokens.id_token!);
    expect(payload.email).toBe("someone@gmail.test");
    expect(payload).not.toHaveProperty("hd");
    expect(params.has("hd")).toBe(false);
  });

  it("forges broken id_tokens on request, each of which a verifier refuses", async () => {
    const cases = [
      [{ audience: "someone-else.apps.googleusercontent.com" }, "ERR_JWT_CLAIM_VALIDATION_FAILED"],
      [{ issuer: "https://evil.example" }, "ERR_JWT_CLAIM_VALIDATION_FAILED"],
      [{ expiredSecondsAgo: 600 }, "ERR_JWT_EXPIRED"],
      [{ unknownKey: true }, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"],
      [{ alteredPayload: { hd: "globex.test" } }, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"],
    ] as const;
    for (const [tamper, code] of cases) {
      sim.control.tamperIdTokens("peter@initech.test", tamper);
      const { tokens } = await signIn("peter@initech.test");
      await expect(verify(tokens.id_token!), JSON.stringify(tamper)).rejects.toMatchObject({ code });
    }
    sim.control.tamperIdTokens("peter@initech.test", { nonce: "other", hd: null, emailVerified: false });
    const { tokens } = await signIn("peter@initech.test", { nonce: "mine" });
    const claims = decodeJwt(tokens.id_token!);
    expect(claims).toMatchObject({ nonce: "other", email_verified: false });
    expect(claims).not.toHaveProperty("hd");
    // The plan was for one response: the next one is genuine again.
    const again = await signIn("peter@initech.test", { nonce: "mine" });
    expect((await verify(again.tokens.id_token!)).payload).toMatchObject({
      nonce: "mine",
      hd: "initech.test",
    });
  });
});

describe("the Directory calls onboarding makes, with the signed-in admin's own token", () => {
  const scopes = ["openid", "email", SCOPES.adminUserReadonly, SCOPES.adminDomainReadonly];

  it("users.get tells a super admin (isAdmin) from a delegated admin (isDelegatedAdmin) and gives the customer id", async () => {
    const boss = await signIn("boss@initech.test", {}, scopes);
    const dir = directoryClient(sim, boss.auth);
    const me = (await dir.users.get({ userKey: "boss@initech.test" })).data;
    expect(me).toMatchObject({ isAdmin: true, isDelegatedAdmin: false, customerId: "C0initech" });
    const helpdesk = await signIn("helpdesk@initech.test", {}, scopes);
    const asHelpdesk = (
      await directoryClient(sim, helpdesk.auth).users.get({ userKey: "helpdesk@initech.test" })
    ).data;
    expect(asHelpdesk).toMatchObject({ isAdmin: false, isDelegatedAdmin: true });
  });

  it("refuses users.get in the admin view to a user who is no admin", async () => {
    const peter = await signIn("peter@initech.test", {}, scopes);
    const err = await googleError(
      directoryClient(sim, peter.auth).users.get({ userKey: "peter@initech.test" }),
    );
    expect(err.status).toBe(403);
    expect(err.body.error.message).toBe("Not Authorized to access this resource/api");
  });

  it("domains.list gives the customer's verified domains, primary first, and no other customer's", async () => {
    const boss = await signIn("boss@initech.test", {}, scopes);
    const dir = directoryClient(sim, boss.auth);
    const { data } = await dir.domains.list({ customer: "my_customer" });
    expect(data.domains?.map((d) => [d.domainName, d.isPrimary, d.verified])).toEqual([
      ["initech.test", true, true],
      ["initech-labs.test", false, true],
    ]);
    const other = await googleError(dir.domains.list({ customer: "C0globex" }));
    expect(other.status).toBe(403);
  });
});
