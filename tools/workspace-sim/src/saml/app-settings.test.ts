// The Google custom SAML app's settings, as an admin sets them in the Admin console, and what each one
// changes in the response. Each test names its public source.
import { validate as validateSamlSchema } from "@authenio/samlify-node-xmllint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStrict } from "./authn-request";
import type { SamlIdp } from "./index";
import { CORP, corpOrg, decode, makeIdp, nodeSamlSp, SP, serve } from "./test-support";
import { NS } from "./xml";

const ALICE = "alice@corp.example";
const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";

/** Which elements carry a ds:Signature as a direct child, and the algorithms every signature uses. */
function signatures(xml: string) {
  const root = parseStrict(xml).documentElement!;
  const signedDirectly = (el: {
    childNodes: ArrayLike<{ localName: string | null; namespaceURI: string | null }>;
  }) => Array.from(el.childNodes).some((n) => n.localName === "Signature" && n.namespaceURI === NS.dsig);
  const assertion = root.getElementsByTagNameNS(NS.assertion, "Assertion")[0]!;
  const algorithms = (name: string) =>
    Array.from(root.getElementsByTagNameNS(NS.dsig, name)).map((n) => n.getAttribute("Algorithm"));
  return {
    response: signedDirectly(root),
    assertion: signedDirectly(assertion),
    signatureMethods: algorithms("SignatureMethod"),
    digestMethods: algorithms("DigestMethod"),
  };
}

function attributesOf(xml: string): Record<string, string[]> {
  const root = parseStrict(xml).documentElement!;
  const out: Record<string, string[]> = {};
  for (const a of Array.from(root.getElementsByTagNameNS(NS.assertion, "Attribute"))) {
    out[a.getAttribute("Name")!] = Array.from(a.getElementsByTagNameNS(NS.assertion, "AttributeValue")).map(
      (v) => v.textContent ?? "",
    );
  }
  return out;
}

describe('"Signed response" (node-saml/passport-saml#852, OCA/server-auth#321, goauthentik/authentik#22811 #22812, flipboxfactory/saml-sp#173)', () => {
  it("unticked (Google's default): only the assertion is signed, RSA-SHA256 with SHA-256 digests", async () => {
    const idp = makeIdp();
    const xml = decode((await idp.loginResponse({ idpId: CORP, email: ALICE })).SAMLResponse);
    expect(signatures(xml)).toEqual({
      response: false,
      assertion: true,
      signatureMethods: [RSA_SHA256],
      digestMethods: [SHA256],
    });
    // authentik#22811: an SP that verifies only the Response signature fails on Google's default.
    await expect(
      nodeSamlSp(idp, {
        wantAuthnResponseSigned: true,
        wantAssertionsSigned: false,
      }).validatePostResponseAsync({
        SAMLResponse: Buffer.from(xml).toString("base64"),
      }),
    ).rejects.toThrow("Invalid document signature");
  });

  it("ticked: the Response is signed and the Assertion inside is left unsigned, RSA-SHA256 with SHA-256 digests", async () => {
    const idp = makeIdp([corpOrg({ sp: { ...SP, signResponse: true } })]);
    const { SAMLResponse } = await idp.loginResponse({ idpId: CORP, email: ALICE });
    const xml = decode(SAMLResponse);
    expect(signatures(xml)).toEqual({
      response: true,
      assertion: false,
      signatureMethods: [RSA_SHA256],
      digestMethods: [SHA256],
    });
    // passport-saml#852: an SP that requires a signed assertion refuses what Google sends...
    await expect(nodeSamlSp(idp).validatePostResponseAsync({ SAMLResponse })).rejects.toThrow(
      /^Invalid signature$/,
    );
    // ...and one that accepts the response signature in its place signs the user in.
    const { profile } = await nodeSamlSp(idp, {
      wantAuthnResponseSigned: true,
      wantAssertionsSigned: false,
    }).validatePostResponseAsync({ SAMLResponse });
    expect(profile?.nameID).toBe(ALICE);
    await expect(validateSamlSchema(xml)).resolves.toBe("SUCCESS_VALIDATE_XML");
  }, 120_000);

  it("is an app setting an admin can change; the per-login override still wins for tests", async () => {
    const idp = makeIdp([corpOrg()]);
    idp.configureApp(CORP, { signResponse: true });
    expect(
      signatures(decode((await idp.loginResponse({ idpId: CORP, email: ALICE })).SAMLResponse)),
    ).toMatchObject({
      response: true,
      assertion: false,
    });
    const overridden = await idp.loginResponse({ idpId: CORP, email: ALICE, signResponse: false });
    expect(signatures(decode(overridden.SAMLResponse))).toMatchObject({ response: false, assertion: true });
  });
});

describe('Name ID format and attribute mapping (Google admin help "Set up your own custom SAML app", support.google.com/a/answer/6087519)', () => {
  it("EMAIL is the default: NameID is the primary email in emailAddress format, and no AttributeStatement without a mapping", async () => {
    const idp = makeIdp();
    const xml = decode((await idp.loginResponse({ idpId: CORP, email: ALICE })).SAMLResponse);
    expect(xml).toContain(
      `<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${ALICE}</saml2:NameID>`,
    );
    expect(xml).not.toContain("AttributeStatement");
  });

  it("PERSISTENT: the admin's format goes in NameID/@Format; the Name ID is still the mapped field, the primary email", async () => {
    const idp = makeIdp([corpOrg({ sp: { ...SP, nameIdFormat: "PERSISTENT" } })]);
    const { SAMLResponse } = await idp.loginResponse({ idpId: CORP, email: ALICE });
    const { profile } = await nodeSamlSp(idp).validatePostResponseAsync({ SAMLResponse });
    expect(profile?.nameIDFormat).toBe("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
    expect(profile?.nameID).toBe(ALICE);
  });

  it("maps directory fields and the selected groups the user is in to the app's attribute names", async () => {
    const idp = makeIdp([
      corpOrg({
        sp: {
          ...SP,
          attributes: [
            { name: "email", field: "primaryEmail" },
            { name: "firstName", field: "firstName" },
            { name: "lastName", field: "lastName" },
          ],
          // Only the groups the admin selected are sent, and only those the user belongs to.
          groupMembership: { name: "groups", groups: ["sales@corp.example", "finance@corp.example"] },
        },
      }),
    ]);
    const { SAMLResponse } = await idp.loginResponse({ idpId: CORP, email: ALICE });
    const xml = decode(SAMLResponse);
    expect(attributesOf(xml)).toEqual({
      email: [ALICE],
      firstName: ["Alice"],
      lastName: ["Archer"],
      groups: ["sales@corp.example"],
    });
    const { profile } = await nodeSamlSp(idp).validatePostResponseAsync({ SAMLResponse });
    expect(profile).toMatchObject({ email: ALICE, firstName: "Alice", groups: "sales@corp.example" });
    await expect(validateSamlSchema(xml)).resolves.toBe("SUCCESS_VALIDATE_XML");
  }, 120_000);
});

describe("app settings over HTTP (POST /_sim/saml/app)", () => {
  let sim: { idp: SamlIdp; baseUrl: string; close(): Promise<void> };
  beforeAll(async () => {
    sim = await serve((baseUrl) => makeIdp([corpOrg()], baseUrl));
  });
  afterAll(() => sim.close());

  const configure = (body: unknown) =>
    fetch(`${sim.baseUrl}/_sim/saml/app`, { method: "POST", body: JSON.stringify(body) });

  it("changes the app and refuses settings Google does not have", async () => {
    const ok = await configure({ idpId: CORP, signResponse: true, nameIdFormat: "PERSISTENT" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ app: { signResponse: true, nameIdFormat: "PERSISTENT" } });
    const xml = decode((await sim.idp.loginResponse({ idpId: CORP, email: ALICE })).SAMLResponse);
    expect(signatures(xml)).toMatchObject({ response: true, assertion: false });
    expect(xml).toContain('Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"');
    for (const bad of [
      { nameIdFormat: "EMAILISH" },
      { entityId: "https://other.example" },
      { signResponse: "yes" },
    ]) {
      const res = await configure({ idpId: CORP, ...bad });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    }
  });
});
