import { inflateRawSync } from "node:zlib";
import { validate as validateSamlSchema } from "@authenio/samlify-node-xmllint";
import { ValidateInResponseTo } from "@node-saml/node-saml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSamlIdp, type SamlIdp } from "./index";
import { CORP, corpOrg, decode, makeIdp, nodeSamlSp, requestIdOf, SP, serve } from "./test-support";

interface JsonLogin {
  acsUrl: string;
  SAMLResponse: string;
  RelayState?: string;
  inResponseTo?: string;
  nameId: string;
}

let sim: { idp: SamlIdp; baseUrl: string; close(): Promise<void> };
beforeAll(async () => {
  sim = await serve((baseUrl) => makeIdp([corpOrg()], baseUrl));
});
afterAll(() => sim.close());

function sp(overrides: Parameters<typeof nodeSamlSp>[1] = {}) {
  return nodeSamlSp(sim.idp, {
    entryPoint: `${sim.baseUrl}/o/saml2/idp?idpid=${CORP}`,
    validateInResponseTo: ValidateInResponseTo.always,
    ...overrides,
  });
}

const JSON_ACCEPT = { accept: "application/json" };

describe("SP-initiated login (HTTP-Redirect AuthnRequest → auto-POST to the ACS)", () => {
  it("round trip: node-saml's AuthnRequest is answered with a response node-saml accepts", async () => {
    const saml = sp();
    const redirect = await saml.getAuthorizeUrlAsync("/after-login?tab=calls&x=1", undefined, {});
    const requestId = requestIdOf(redirect);
    const res = await fetch(`${redirect}&sim_user=${encodeURIComponent("alice@corp.example")}`, {
      headers: JSON_ACCEPT,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JsonLogin;
    expect(body).toMatchObject({
      acsUrl: SP.acsUrl,
      RelayState: "/after-login?tab=calls&x=1",
      inResponseTo: requestId,
      nameId: "alice@corp.example",
    });
    const xml = decode(body.SAMLResponse);
    expect(xml).toContain(`InResponseTo="${requestId}"`);
    expect(xml).toContain(`Destination="${SP.acsUrl}"`);
    expect(xml).toContain(`Recipient="${SP.acsUrl}"`);
    expect(xml).toContain("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    expect(xml).toContain("http://www.w3.org/2001/10/xml-exc-c14n#");

    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: body.SAMLResponse,
      RelayState: body.RelayState!,
    });
    expect(profile).toMatchObject({
      nameID: "alice@corp.example",
      inResponseTo: requestId,
      issuer: `https://accounts.google.com/o/saml2?idpid=${CORP}`,
    });
    expect(profile?.sessionIndex).toMatch(/^_[0-9a-f]{32}$/);
    // Once consumed, the same request id cannot be used again.
    await expect(saml.validatePostResponseAsync({ SAMLResponse: body.SAMLResponse })).rejects.toThrow(
      "InResponseTo is not valid",
    );
  });

  it("assertion window is IssueInstant ± 5 minutes, audience is the SP entity ID", async () => {
    const at = new Date("2030-01-02T03:04:05.000Z");
    const fixed = createSamlIdp({ baseUrl: "http://sim", findOrg: () => corpOrg(), now: () => at });
    const xml = decode(
      (await fixed.loginResponse({ idpId: CORP, email: "alice@corp.example", inResponseTo: "_r1" }))
        .SAMLResponse,
    );
    expect(xml).toContain('NotBefore="2030-01-02T02:59:05.000Z" NotOnOrAfter="2030-01-02T03:09:05.000Z"');
    expect(xml).toContain(
      'SubjectConfirmationData InResponseTo="_r1" NotOnOrAfter="2030-01-02T03:09:05.000Z"',
    );
    expect(xml).toContain(`<saml2:Audience>${SP.entityId}</saml2:Audience>`);
    expect(xml).toMatch(
      /<saml2:AuthnStatement AuthnInstant="2030-01-02T03:04:05.000Z" SessionIndex="_[0-9a-f]{32}">/,
    );
  });

  it("responses (assertion-signed and response-signed) are valid against the SAML 2.0 protocol schema", async () => {
    for (const signResponse of [false, true]) {
      const r = await sim.idp.loginResponse({
        idpId: CORP,
        email: "alice@corp.example",
        inResponseTo: "_r",
        signResponse,
      });
      await expect(validateSamlSchema(decode(r.SAMLResponse))).resolves.toBe("SUCCESS_VALIDATE_XML");
    }
  }, 120_000); // xmllint is WebAssembly: its first compile takes long on a busy machine

  it("answers browsers with Google's auto-submitting HTML form to the ACS, carrying SAMLResponse and RelayState", async () => {
    const saml = sp();
    const redirect = await saml.getAuthorizeUrlAsync('/x?a=1&b="2"', undefined, {});
    const res = await fetch(`${redirect}&sim_user=alice%40corp.example`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain(`<form method="post" action="${SP.acsUrl}">`);
    expect(html).toContain("document.forms[0].submit()");
    expect(html).toContain('name="RelayState" value="/x?a=1&amp;b=&quot;2&quot;"');
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1];
    expect(samlResponse).toBeDefined();
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse! });
    expect(profile?.nameID).toBe("alice@corp.example");
  });

  it("uses the 'current session' set through the control API when no sim_user is given", async () => {
    const saml = sp();
    const set = await fetch(`${sim.baseUrl}/_sim/saml/session`, {
      method: "POST",
      body: JSON.stringify({ idpId: CORP, email: "bob@corp.example" }),
    });
    expect(await set.json()).toEqual({ idpId: CORP, email: "bob@corp.example" });
    try {
      const res = await fetch(await saml.getAuthorizeUrlAsync("", undefined, {}), { headers: JSON_ACCEPT });
      const body = (await res.json()) as JsonLogin;
      expect(
        (await saml.validatePostResponseAsync({ SAMLResponse: body.SAMLResponse })).profile?.nameID,
      ).toBe("bob@corp.example");
      // sim_user wins over the session.
      const hinted = await fetch(
        `${await saml.getAuthorizeUrlAsync("", undefined, {})}&sim_user=alice@corp.example`,
        {
          headers: JSON_ACCEPT,
        },
      );
      expect(((await hinted.json()) as JsonLogin).nameId).toBe("alice@corp.example");
    } finally {
      await fetch(`${sim.baseUrl}/_sim/saml/session?idpid=${CORP}`, { method: "DELETE" });
    }
    const nobody = await fetch(await saml.getAuthorizeUrlAsync("", undefined, {}), { headers: JSON_ACCEPT });
    expect(nobody.status).toBe(401);
    expect(await nobody.json()).toMatchObject({ error: "login_required" });
  });

  it("accepts the AuthnRequest over HTTP-POST too", async () => {
    const saml = sp();
    const redirect = new URL(await saml.getAuthorizeUrlAsync("", undefined, {}));
    const xml = inflateRawSync(Buffer.from(redirect.searchParams.get("SAMLRequest")!, "base64")).toString(
      "utf8",
    );
    const res = await fetch(`${sim.baseUrl}/o/saml2/idp?idpid=${CORP}`, {
      method: "POST",
      headers: { ...JSON_ACCEPT, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        SAMLRequest: Buffer.from(xml).toString("base64"),
        RelayState: "post-relay",
        sim_user: "alice@corp.example",
      }).toString(),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as JsonLogin;
    expect(body.RelayState).toBe("post-relay");
    expect((await saml.validatePostResponseAsync({ SAMLResponse: body.SAMLResponse })).profile?.nameID).toBe(
      "alice@corp.example",
    );
  });

  it("refuses a request from an SP whose entity ID is not the configured app (Google: app_not_configured_for_user)", async () => {
    const saml = sp({ issuer: "https://someone-else.example/saml" });
    const res = await fetch(
      `${await saml.getAuthorizeUrlAsync("", undefined, {})}&sim_user=alice@corp.example`,
    );
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("Error: app_not_configured_for_user");
    expect(html).not.toContain("SAMLResponse");
  });

  it("refuses an AssertionConsumerServiceURL that is not the configured ACS URL", async () => {
    const saml = sp({ callbackUrl: "https://evil.example/acs" });
    const res = await fetch(
      `${await saml.getAuthorizeUrlAsync("", undefined, {})}&sim_user=alice@corp.example`,
      {
        headers: JSON_ACCEPT,
      },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
  });

  it("refuses malformed requests and DTDs in the AuthnRequest", async () => {
    const base = `${sim.baseUrl}/o/saml2/idp?idpid=${CORP}&sim_user=alice@corp.example`;
    const notDeflated = await fetch(
      `${base}&SAMLRequest=${encodeURIComponent(Buffer.from("<x/>").toString("base64"))}`,
      {
        headers: JSON_ACCEPT,
      },
    );
    expect(notDeflated.status).toBe(400);
    const doctype = await fetch(`${sim.baseUrl}/o/saml2/idp?idpid=${CORP}`, {
      method: "POST",
      headers: { ...JSON_ACCEPT, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        SAMLRequest: Buffer.from(
          '<!DOCTYPE x [<!ENTITY e "e">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"/>',
        ).toString("base64"),
        sim_user: "alice@corp.example",
      }).toString(),
    });
    expect(doctype.status).toBe(400);
    expect(((await doctype.json()) as { error_description: string }).error_description).toMatch(/DOCTYPE/);
  });
});

describe("control API helpers over HTTP", () => {
  it("POST /_sim/saml/login-response and /_sim/saml/forge/<kind> return ready-to-POST responses", async () => {
    const saml = sp({ validateInResponseTo: ValidateInResponseTo.ifPresent });
    const genuine = await fetch(`${sim.baseUrl}/_sim/saml/login-response`, {
      method: "POST",
      body: JSON.stringify({ idpId: CORP, email: "alice@corp.example", relayState: "r" }),
    });
    const g = (await genuine.json()) as JsonLogin;
    expect(g.RelayState).toBe("r");
    expect((await saml.validatePostResponseAsync({ SAMLResponse: g.SAMLResponse })).profile?.nameID).toBe(
      "alice@corp.example",
    );
    const forged = await fetch(`${sim.baseUrl}/_sim/saml/forge/signatureWrapping`, {
      method: "POST",
      body: JSON.stringify({ idpId: CORP, email: "admin@corp.example", variant: "wrapped-in-evil" }),
    });
    expect(forged.status).toBe(200);
    const f = (await forged.json()) as JsonLogin;
    await expect(saml.validatePostResponseAsync({ SAMLResponse: f.SAMLResponse })).rejects.toThrow(
      /^Invalid signature$/,
    );
    const unknown = await fetch(`${sim.baseUrl}/_sim/saml/forge/nope`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
  });
});
