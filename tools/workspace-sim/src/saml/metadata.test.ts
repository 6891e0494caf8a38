import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseStrict } from "./authn-request";
import { CORP, corpOrg, makeIdp, serve } from "./test-support";

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";

function read(xml: string) {
  const root = parseStrict(xml).documentElement!;
  const sso = Array.from(root.getElementsByTagNameNS(MD, "SingleSignOnService"));
  return {
    entityId: root.getAttribute("entityID"),
    validUntil: root.getAttribute("validUntil"),
    wantAuthnRequestsSigned: root
      .getElementsByTagNameNS(MD, "IDPSSODescriptor")[0]
      ?.getAttribute("WantAuthnRequestsSigned"),
    nameIdFormats: Array.from(root.getElementsByTagNameNS(MD, "NameIDFormat")).map((n) => n.textContent),
    sso: sso.map((s) => ({ binding: s.getAttribute("Binding"), location: s.getAttribute("Location") })),
    certs: Array.from(root.getElementsByTagNameNS(DS, "X509Certificate")).map((n) => n.textContent ?? ""),
    signingKeyDescriptors: Array.from(root.getElementsByTagNameNS(MD, "KeyDescriptor")).filter(
      (k) => k.getAttribute("use") === "signing",
    ).length,
  };
}

function pem(b64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
}

describe("IdP metadata (as Google publishes it)", () => {
  it("has Google's entity ID, the SSO URL with HTTP-Redirect and HTTP-POST, emailAddress NameID and the signing cert", () => {
    const idp = makeIdp(undefined, "http://sim.test:8085");
    const md = read(idp.metadataXml(CORP));
    expect(md.entityId).toBe(`https://accounts.google.com/o/saml2?idpid=${CORP}`);
    expect(md.wantAuthnRequestsSigned).toBe("false");
    expect(md.nameIdFormats).toEqual(["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]);
    expect(md.sso).toEqual([
      {
        binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
        location: `http://sim.test:8085/o/saml2/idp?idpid=${CORP}`,
      },
      {
        binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        location: `http://sim.test:8085/o/saml2/idp?idpid=${CORP}`,
      },
    ]);
    expect(md.certs).toHaveLength(1);
    expect(new X509Certificate(pem(md.certs[0]!)).raw).toEqual(
      new X509Certificate(idp.signingCertificatePem(CORP)).raw,
    );
  });

  it("uses an RSA-2048 self-signed certificate valid for 5 years, with Google's subject", () => {
    const idp = makeIdp();
    const cert = new X509Certificate(idp.signingCertificatePem(CORP));
    expect(cert.subject).toContain("CN=Google");
    expect(cert.subject).toContain("OU=Google For Work");
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const lifetimeDays = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThanOrEqual(365 * 5);
    expect(lifetimeDays).toBeLessThanOrEqual(365 * 5 + 2);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it("keeps a distinct key per org, stable across calls", () => {
    const idp = makeIdp();
    expect(idp.signingCertificatePem(CORP)).toBe(idp.signingCertificatePem(CORP));
    expect(idp.signingCertificatePem("C09other2")).not.toBe(idp.signingCertificatePem(CORP));
  });

  it("certificate rotation publishes two certificates and signs with the new one; a third is refused until one is deleted (support.google.com/a/answer/7394709, goauthentik/authentik#12701)", () => {
    const idp = makeIdp();
    const before = idp.signingCertificatePem(CORP);
    idp.rotateCertificate(CORP);
    const after = idp.signingCertificatePem(CORP);
    expect(after).not.toBe(before);
    const md = read(idp.metadataXml(CORP));
    expect(md.signingKeyDescriptors).toBe(2);
    expect(md.certs.map((c) => new X509Certificate(pem(c)).fingerprint256)).toEqual([
      new X509Certificate(before).fingerprint256,
      new X509Certificate(after).fingerprint256,
    ]);
    expect(() => idp.rotateCertificate(CORP)).toThrow(
      expect.objectContaining({ code: "certificate_limit_reached", status: 409 }),
    );
    expect(read(idp.metadataXml(CORP)).certs).toEqual(md.certs);
    // The certificate the app signs with cannot be deleted; the old one can, and then a new one fits.
    const fingerprint = (pemText: string) => new X509Certificate(pemText).fingerprint256;
    expect(() => idp.deleteCertificate(CORP, fingerprint(after))).toThrow(
      expect.objectContaining({ code: "certificate_in_use" }),
    );
    idp.deleteCertificate(CORP, fingerprint(before));
    idp.rotateCertificate(CORP);
    const third = read(idp.metadataXml(CORP));
    expect(third.certs).toHaveLength(2);
    expect(third.certs[0]).toBe(md.certs[1]);
  });

  it("is served at GET /o/saml2/metadata?idpid= and 404s an unknown idpid", async () => {
    const sim = await serve((baseUrl) => makeIdp([corpOrg()], baseUrl));
    try {
      const res = await fetch(`${sim.baseUrl}/o/saml2/metadata?idpid=${CORP}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("xml");
      const md = read(await res.text());
      expect(md.sso[0]?.location).toBe(`${sim.baseUrl}/o/saml2/idp?idpid=${CORP}`);
      const pemRes = await fetch(`${sim.baseUrl}/_sim/saml/certificate?idpid=${CORP}`);
      expect(await pemRes.text()).toBe(sim.idp.signingCertificatePem(CORP));
      const rotated = await fetch(`${sim.baseUrl}/_sim/saml/rotate`, {
        method: "POST",
        body: JSON.stringify({ idpId: CORP }),
      });
      const { certificates } = (await rotated.json()) as { certificates: string[] };
      expect(certificates).toHaveLength(2);
      const rotate = () =>
        fetch(`${sim.baseUrl}/_sim/saml/rotate`, { method: "POST", body: JSON.stringify({ idpId: CORP }) });
      const refused = await rotate();
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({ error: "certificate_limit_reached" });
      const oldest = new X509Certificate(certificates[0]!).fingerprint256;
      const deleted = await fetch(
        `${sim.baseUrl}/_sim/saml/certificate?idpid=${CORP}&fingerprint=${encodeURIComponent(oldest)}`,
        { method: "DELETE" },
      );
      expect(((await deleted.json()) as { certificates: string[] }).certificates).toEqual([certificates[1]]);
      expect((await rotate()).status).toBe(200);
      const unknown = await fetch(`${sim.baseUrl}/o/saml2/metadata?idpid=nope`);
      expect(unknown.status).toBe(404);
    } finally {
      await sim.close();
    }
  });
});
