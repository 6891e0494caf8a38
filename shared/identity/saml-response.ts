// Checks on a posted SAMLResponse before any SAML library parses it, and reads of the few fields the
// service provider needs that the library does not check (Destination, Recipient, assertion ID).
import { DOMParser } from "@xmldom/xmldom";
import { AppError } from "../platform/errors";
import { assertNoDoctype } from "./idp-metadata";

export const MAX_SAML_RESPONSE_BYTES = 200_000;
const SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol";

const malformed = (message: string) => new AppError("saml_malformed", message);

function parse(xml: string) {
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: {
      warning: () => {},
      error: (m: string) => errors.push(m),
      fatalError: (m: string) => errors.push(m),
    },
  }).parseFromString(xml, "text/xml");
  if (errors.length > 0 || !doc.documentElement) throw malformed("SAMLResponse is not well-formed XML");
  return doc;
}

/** Size, strict base64, no DTD, well-formed, a samlp:Response: refused before the SAML library sees it. */
export function decodeSamlResponse(encoded: unknown): { xml: string; issuer: string | undefined } {
  if (typeof encoded !== "string" || encoded.length === 0) throw malformed("SAMLResponse is missing");
  if (encoded.length > MAX_SAML_RESPONSE_BYTES) throw malformed("SAMLResponse is too large");
  const compact = encoded.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0)
    throw malformed("SAMLResponse is not valid base64");
  const xml = Buffer.from(compact, "base64").toString("utf8");
  assertNoDoctype(xml);
  const doc = parse(xml);
  const root = doc.documentElement!;
  if (root.localName !== "Response" || root.namespaceURI !== SAMLP)
    throw malformed("SAMLResponse is not a samlp:Response");
  // Unverified: used only to choose which organisation's certificates must then verify the signature.
  const issuer = doc.getElementsByTagNameNS(SAML, "Issuer")[0]?.textContent?.trim();
  return { xml, issuer };
}

/** Fields of the response and of the assertion that the signature check has already vouched for. */
export function readVerifiedFields(responseXml: string, assertionXml: string) {
  const response = parse(responseXml).documentElement!;
  const assertion = parse(assertionXml).documentElement!;
  const confirmations = Array.from(assertion.getElementsByTagNameNS(SAML, "SubjectConfirmationData"));
  return {
    destination: response.getAttribute("Destination") || undefined,
    assertionId: assertion.getAttribute("ID") ?? "",
    recipients: confirmations.map((c) => c.getAttribute("Recipient")).filter((r): r is string => !!r),
    notOnOrAfter: confirmations.map((c) => c.getAttribute("NotOnOrAfter")).find(Boolean) ?? undefined,
  };
}
