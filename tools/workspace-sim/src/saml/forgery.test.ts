import { SignedXml } from "xml-crypto";
import { describe, expect, it } from "vitest";
import { XSW_VARIANTS } from "./forge";
import { ValidateInResponseTo } from "@node-saml/node-saml";
import { CORP, decode, makeIdp, nodeSamlSp, OTHER, SP } from "./test-support";
import { parseStrict } from "./authn-request";

const VICTIM = "admin@corp.example";
const victim = { idpId: CORP, email: VICTIM };

/**
 * What a naive SP does: read the first Assertion directly under the Response and its NameID's first
 * text node, after checking that SOME signature in the document verifies with the IdP certificate.
 * Used to show that each forgery would fool a careless implementation (so it is a realistic attack),
 * while @node-saml/node-saml rejects it.
 */
function naiveRead(xml: string, cert: string): { nameId: string | null; someSignatureVerifies: boolean } {
  const doc = parseStrict(xml) as unknown as Document;
  const response = doc.documentElement;
  const assertion = Array.from(response.childNodes).find(
    (n) => (n as Element).localName === "Assertion",
  ) as Element | undefined;
  const nameIdEl = assertion?.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "NameID")[0];
  const signatures = Array.from(doc.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature"));
  const someSignatureVerifies = signatures.some((sig) => {
    const v = new SignedXml({ publicCert: cert });
    v.loadSignature(sig);
    try {
      return v.checkSignature(xml);
    } catch {
      return false;
    }
  });
  return { nameId: nameIdEl?.firstChild?.nodeValue ?? null, someSignatureVerifies };
}

describe("forged SAML responses are rejected by node-saml", () => {
  it("scratch", async () => {
    const idp = makeIdp();
    const sp = nodeSamlSp(idp);
    for (const variant of XSW_VARIANTS) {
      const r = await idp.forge.signatureWrapping({ ...victim, variant });
      console.log(variant, naiveRead(decode(r.SAMLResponse), idp.signingCertificatePem(CORP)));
      await sp.validatePostResponseAsync({ SAMLResponse: r.SAMLResponse }).then(
        (x) => console.log("ACCEPTED", x.profile?.nameID),
        (e) => console.log("rejected", e.message),
      );
    }
    for (const payload of ["billion-laughs", "xxe"] as const) {
      const r = await idp.forge.withDoctype({ ...victim, payload });
      await sp.validatePostResponseAsync({ SAMLResponse: r.SAMLResponse }).then(
        (x) => console.log("ACCEPTED", x.profile?.nameID),
        (e) => console.log("rejected", e.message),
      );
    }
    const r = await idp.forge.commentInjection(victim);
    console.log(naiveRead(decode(r.SAMLResponse), idp.signingCertificatePem(CORP)));
    await sp.validatePostResponseAsync({ SAMLResponse: r.SAMLResponse }).then(
      (x) => console.log("ACCEPTED", x.profile?.nameID),
      (e) => console.log("rejected", e.message),
    );
    void OTHER; void SP; void ValidateInResponseTo; void expect;
  });
});
