import { ValidateInResponseTo } from "@node-saml/node-saml";
import { describe, expect, it } from "vitest";
import { SignedXml } from "xml-crypto";
import { parseStrict } from "./authn-request";
import { XSW_VARIANTS, type XswVariant } from "./forge";
import type { LoginResult } from "./index";
import { CORP, decode, makeIdp, nodeSamlSp, OTHER, requestIdOf, SP } from "./test-support";

const VICTIM = "admin@corp.example";
const victim = { idpId: CORP, email: VICTIM };
const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";

/**
 * What a careless SP does: check that SOME ds:Signature in the document verifies with a given
 * certificate, then read the first Assertion directly under the Response and the first text node
 * of its NameID. Each forgery fools it (that is what makes the forgery a realistic attack) while
 * @node-saml/node-saml, configured as Switchboard's SP would be, rejects it.
 */
function naiveRead(xml: string, cert: string): { nameId: string | null; someSignatureVerifies: boolean } {
  const doc = parseStrict(xml);
  const assertion = Array.from(doc.documentElement!.childNodes).find((n) => n.localName === "Assertion");
  const nameId = assertion?.getElementsByTagNameNS(ASSERTION_NS, "NameID")[0];
  const someSignatureVerifies = Array.from(doc.getElementsByTagNameNS(DSIG_NS, "Signature")).some((sig) => {
    const verifier = new SignedXml({ publicCert: cert });
    verifier.loadSignature(sig as unknown as Parameters<SignedXml["loadSignature"]>[0]);
    try {
      return verifier.checkSignature(xml);
    } catch {
      return false;
    }
  });
  return { nameId: nameId?.firstChild?.nodeValue ?? null, someSignatureVerifies };
}

function embeddedCertPem(xml: string): string {
  const b64 = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)?.[1];
  if (!b64) throw new Error("no certificate in KeyInfo");
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
}

function post(r: LoginResult) {
  return {
    SAMLResponse: r.SAMLResponse,
    ...(r.RelayState === undefined ? {} : { RelayState: r.RelayState }),
  };
}

describe("the genuine response (baseline for every forgery)", () => {
  it("is accepted by node-saml pinned to the IdP certificate, with the primary email as NameID", async () => {
    const idp = makeIdp();
    const { profile } = await nodeSamlSp(idp).validatePostResponseAsync(
      post(await idp.loginResponse({ idpId: CORP, email: VICTIM })),
    );
    expect(profile?.nameID).toBe(VICTIM);
    expect(profile?.nameIDFormat).toBe("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    expect(profile?.issuer).toBe(`https://accounts.google.com/o/saml2?idpid=${CORP}`);
  });

  it("with 'Signed response' (only the Response signed) is accepted by an SP that takes the response signature", async () => {
    const idp = makeIdp();
    const sp = nodeSamlSp(idp, { wantAuthnResponseSigned: true, wantAssertionsSigned: false });
    const genuine = await idp.loginResponse({ idpId: CORP, email: VICTIM, signResponse: true });
    expect((await sp.validatePostResponseAsync(post(genuine))).profile?.nameID).toBe(VICTIM);
    const assertionOnly = await idp.loginResponse({ idpId: CORP, email: VICTIM });
    await expect(sp.validatePostResponseAsync(post(assertionOnly))).rejects.toThrow(
      "Invalid document signature",
    );
  });
});

describe("forged responses are rejected by node-saml for the right reason", () => {
  const idp = makeIdp();
  const cert = idp.signingCertificatePem(CORP);

  it("unsigned: no signature at all", async () => {
    const forged = await idp.forge.unsigned(victim);
    expect(decode(forged.SAMLResponse)).not.toContain("Signature");
    await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
      /^Invalid signature$/,
    );
    const responseLevel = await idp.forge.unsigned({ ...victim, signResponse: true });
    await expect(
      nodeSamlSp(idp, { wantAuthnResponseSigned: true }).validatePostResponseAsync(post(responseLevel)),
    ).rejects.toThrow("Invalid document signature");
  });

  it("resignedWithOtherKey: valid with the certificate it embeds in KeyInfo, not with the pinned one", async () => {
    for (const signResponse of [false, true]) {
      const forged = await idp.forge.resignedWithOtherKey({ ...victim, signResponse });
      const xml = decode(forged.SAMLResponse);
      expect(naiveRead(xml, embeddedCertPem(xml))).toEqual({ nameId: VICTIM, someSignatureVerifies: true });
      expect(naiveRead(xml, cert).someSignatureVerifies).toBe(false);
      await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
        /^Invalid signature$/,
      );
      await expect(
        nodeSamlSp(idp, { wantAuthnResponseSigned: true }).validatePostResponseAsync(post(forged)),
      ).rejects.toThrow("Invalid document signature");
    }
  });

  it("alteredAfterSigning: the attacker's signed assertion with the NameID changed breaks the digest", async () => {
    const forged = await idp.forge.alteredAfterSigning(victim);
    expect(naiveRead(decode(forged.SAMLResponse), cert)).toEqual({
      nameId: VICTIM,
      someSignatureVerifies: false,
    });
    await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
      /^Invalid signature$/,
    );
  });

  it("commentInjection (CVE-2017-11428): the signature holds, and node-saml reads the whole signed name", async () => {
    const forged = await idp.forge.commentInjection(victim);
    const xml = decode(forged.SAMLResponse);
    expect(xml).toContain(`${VICTIM}<!---->.evil.example</saml2:NameID>`);
    // A naive SP would log the attacker in as the victim...
    expect(naiveRead(xml, cert)).toEqual({ nameId: VICTIM, someSignatureVerifies: true });
    // ...node-saml reads the signed canonical text, which is the attacker's own address.
    const { profile } = await nodeSamlSp(idp).validatePostResponseAsync(post(forged));
    expect(profile?.nameID).toBe(`${VICTIM}.evil.example`);
  });

  const xswRejections: Record<XswVariant, RegExp> = {
    "sibling-before": /^Invalid signature: multiple assertions$/,
    "wrapped-in-evil": /^Invalid signature$/,
    "signature-moved": /Referenced node does not refer to it's parent element/,
    "response-wrap": /Referenced node does not refer to it's parent element/,
  };
  for (const variant of XSW_VARIANTS) {
    it(`signatureWrapping ${variant}: a naive SP reads the victim from a validly signed document; node-saml refuses`, async () => {
      const forged = await idp.forge.signatureWrapping({ ...victim, variant });
      expect(naiveRead(decode(forged.SAMLResponse), cert)).toEqual({
        nameId: VICTIM,
        someSignatureVerifies: true,
      });
      const responseSigned = variant === "response-wrap"; // against Google's "Signed response" mode
      const sp = nodeSamlSp(idp, {
        wantAuthnResponseSigned: responseSigned,
        wantAssertionsSigned: !responseSigned,
      });
      await expect(sp.validatePostResponseAsync(post(forged))).rejects.toThrow(xswRejections[variant]);
    });
  }

  it("expired: properly signed, but every NotOnOrAfter is in the past", async () => {
    const forged = await idp.forge.expired(victim);
    expect(naiveRead(decode(forged.SAMLResponse), cert)).toEqual({
      nameId: VICTIM,
      someSignatureVerifies: true,
    });
    await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
      /SAML assertion expired/,
    );
  });

  it("wrongAudience: properly signed for another SP", async () => {
    const forged = await idp.forge.wrongAudience(victim);
    expect(decode(forged.SAMLResponse)).toContain(
      "<saml2:Audience>https://evil.example/saml/metadata</saml2:Audience>",
    );
    await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
      /SAML assertion audience mismatch/,
    );
  });

  it("wrongRecipient: node-saml does NOT check SubjectConfirmationData Recipient — Switchboard's SP must", async () => {
    const forged = await idp.forge.wrongRecipient(victim);
    const xml = decode(forged.SAMLResponse);
    expect(xml).toContain('Recipient="https://evil.example/saml/acs"');
    expect(xml).not.toContain(`Recipient="${SP.acsUrl}"`);
    expect(forged.acsUrl).toBe(SP.acsUrl);
    // Documented gap of @node-saml/node-saml 5: it accepts this. The SP must compare Recipient
    // (and Destination) with its own ACS URL itself.
    const { profile } = await nodeSamlSp(idp).validatePostResponseAsync(post(forged));
    expect(profile?.nameID).toBe(VICTIM);
  });

  it("replay: an SP-initiated response is refused the second time by InResponseTo tracking", async () => {
    const sp = nodeSamlSp(idp, { validateInResponseTo: ValidateInResponseTo.always });
    const requestId = requestIdOf(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { first, second } = await idp.forge.replay({ ...victim, inResponseTo: requestId });
    expect(second.SAMLResponse).toBe(first.SAMLResponse);
    expect((await sp.validatePostResponseAsync(post(first))).profile?.nameID).toBe(VICTIM);
    await expect(sp.validatePostResponseAsync(post(second))).rejects.toThrow("InResponseTo is not valid");
  });

  it("replay: an IdP-initiated response (no InResponseTo) is accepted twice by node-saml — the SP needs an assertion-ID cache", async () => {
    const sp = nodeSamlSp(idp);
    const { first, second } = await idp.forge.replay(victim);
    expect((await sp.validatePostResponseAsync(post(first))).profile?.nameID).toBe(VICTIM);
    expect((await sp.validatePostResponseAsync(post(second))).profile?.nameID).toBe(VICTIM);
  });

  for (const payload of ["billion-laughs", "xxe"] as const) {
    it(`withDoctype ${payload}: the DTD's entities are never expanded`, async () => {
      const forged = await idp.forge.withDoctype({ ...victim, payload });
      const xml = decode(forged.SAMLResponse);
      expect(xml.startsWith("<!DOCTYPE saml2p:Response [")).toBe(true);
      await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
        /entity not found/,
      );
    });
  }

  it("otherOrg: a genuine signature by another Workspace org's key is refused by the pinned certificate", async () => {
    const forged = await idp.forge.otherOrg({ ...victim, otherIdpId: OTHER });
    const xml = decode(forged.SAMLResponse);
    expect(naiveRead(xml, idp.signingCertificatePem(OTHER))).toEqual({
      nameId: VICTIM,
      someSignatureVerifies: true,
    });
    await expect(nodeSamlSp(idp).validatePostResponseAsync(post(forged))).rejects.toThrow(
      /^Invalid signature$/,
    );
  });

  it("weakAlgorithm: Google signs with SHA-256 only; node-saml accepts SHA-1 — Switchboard's SP must refuse it", async () => {
    for (const weak of ["signature", "digest", "both"] as const) {
      const forged = await idp.forge.weakAlgorithm({ ...victim, weak });
      const xml = decode(forged.SAMLResponse);
      expect(xml.includes("xmldsig#rsa-sha1")).toBe(weak !== "digest");
      expect(xml.includes("xmldsig#sha1")).toBe(weak !== "signature");
      // Documented gap of @node-saml/node-saml 5 (xml-crypto 6 still verifies SHA-1).
      expect((await nodeSamlSp(idp).validatePostResponseAsync(post(forged))).profile?.nameID).toBe(VICTIM);
    }
  });

  it("errorStatus: a non-Success StatusCode beside a valid signed assertion — node-saml ignores the status, the SP must not", async () => {
    const forged = await idp.forge.errorStatus(victim);
    const xml = decode(forged.SAMLResponse);
    expect(xml).toContain(
      '<saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied"/></saml2p:StatusCode>',
    );
    // Documented gap of @node-saml/node-saml 5: with a validly signed assertion the status is not read.
    expect((await nodeSamlSp(idp).validatePostResponseAsync(post(forged))).profile?.nameID).toBe(VICTIM);
  });
});
