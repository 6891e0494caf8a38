// Checks on a posted SAMLResponse before any SAML library parses it, and reads of the few fields the
// service provider needs that the library does not check (Destination, Recipient, assertion ID, status).
import { DOMParser } from "@xmldom/xmldom";
import { AppError } from "../platform/errors";
import { assertNoDoctype } from "./idp-metadata";
import { SAML_XML_LIMITS, xmlLimitProblem } from "./xml-limits";

export const MAX_SAML_RESPONSE_BYTES = 200_000;
const SAML = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol";
const DSIG = "http://www.w3.org/2000/09/xmldsig#";
export const STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

/** Google signs with RSA-SHA256 and SHA-256; SHA-1 (and anything unknown) is refused. */
const STRONG_SIGNATURES = new Set([
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
]);
const STRONG_DIGESTS = new Set([
  "http://www.w3.org/2001/04/xmlenc#sha256",
  "http://www.w3.org/2001/04/xmldsig-more#sha384",
  "http://www.w3.org/2001/04/xmlenc#sha512",
]);

/** What Google signed: the assertion (its default), the whole response ("Signed response"), or both. */
export type SignedPart = "assertion" | "response" | "both";

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

type XmlElement = NonNullable<ReturnType<typeof parse>["documentElement"]>;

function children(el: XmlElement, ns: string, localName: string): XmlElement[] {
  return Array.from(el.childNodes).filter((n) => {
    const e = n as XmlElement;
    return e.localName === localName && e.namespaceURI === ns;
  }) as XmlElement[];
}

/**
 * Every SignatureMethod and DigestMethod anywhere (by local name: xml-crypto reads them that way) that is
 * not SHA-256 or stronger.
 */
function weakAlgorithmsIn(doc: ReturnType<typeof parse>): WeakAlgorithm[] {
  const weak: WeakAlgorithm[] = [];
  for (const [element, allowed] of [
    ["SignatureMethod", STRONG_SIGNATURES],
    ["DigestMethod", STRONG_DIGESTS],
  ] as const) {
    for (const el of Array.from(doc.getElementsByTagName("*")).filter((e) => e.localName === element)) {
      const algorithm = el.getAttribute("Algorithm") ?? "";
      if (!allowed.has(algorithm)) weak.push({ element, algorithm });
    }
  }
  return weak;
}

export interface WeakAlgorithm {
  element: "SignatureMethod" | "DigestMethod";
  algorithm: string;
}

export interface PostedResponse {
  xml: string;
  /** Unverified: used only to choose which organisation's certificates must then verify the signature. */
  issuer: string | undefined;
  /** Which signatures are present (their validity is the SAML library's check, told to require them). */
  signed: { response: boolean; assertion: boolean };
  /** Signature or digest algorithms weaker than SHA-256 (refused once the organisation is known, so it is audited). */
  weakAlgorithms: WeakAlgorithm[];
  /** The top-level StatusCode and the one nested in it (the reason), if any. */
  status: { code: string | undefined; subCode: string | undefined };
}

/**
 * Size, strict base64, shape bounds (depth, elements, attributes), no DTD, well-formed, a samlp:Response:
 * refused before the SAML library sees it; the rest is read for `verify`.
 */
export function decodeSamlResponse(encoded: unknown): PostedResponse {
  if (typeof encoded !== "string" || encoded.length === 0) throw malformed("SAMLResponse is missing");
  if (encoded.length > MAX_SAML_RESPONSE_BYTES) throw malformed("SAMLResponse is too large");
  const compact = encoded.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0)
    throw malformed("SAMLResponse is not valid base64");
  const xml = Buffer.from(compact, "base64").toString("utf8");
  assertNoDoctype(xml);
  const problem = xmlLimitProblem(xml, SAML_XML_LIMITS);
  if (problem) throw malformed(`SAMLResponse is refused before parsing: ${problem}`);
  const doc = parse(xml);
  const root = doc.documentElement!;
  if (root.localName !== "Response" || root.namespaceURI !== SAMLP)
    throw malformed("SAMLResponse is not a samlp:Response");
  const assertions = children(root, SAML, "Assertion");
  const status = children(root, SAMLP, "Status")[0];
  const code = status ? children(status, SAMLP, "StatusCode")[0] : undefined;
  const subCode = code ? children(code, SAMLP, "StatusCode")[0] : undefined;
  return {
    xml,
    issuer: doc.getElementsByTagNameNS(SAML, "Issuer")[0]?.textContent?.trim(),
    weakAlgorithms: weakAlgorithmsIn(doc),
    signed: {
      response: children(root, DSIG, "Signature").length > 0,
      assertion: assertions.some((a) => children(a, DSIG, "Signature").length > 0),
    },
    status: {
      code: code?.getAttribute("Value") ?? undefined,
      subCode: subCode?.getAttribute("Value") ?? undefined,
    },
  };
}

export function signedPartOf(signed: PostedResponse["signed"]): SignedPart {
  if (signed.response) return signed.assertion ? "both" : "response";
  return "assertion";
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
