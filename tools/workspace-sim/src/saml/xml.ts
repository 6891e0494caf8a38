import { randomBytes } from "node:crypto";
import { SignedXml } from "xml-crypto";
import type { SigningCredential } from "./keys";

export const NS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  metadata: "urn:oasis:names:tc:SAML:2.0:metadata",
  dsig: "http://www.w3.org/2000/09/xmldsig#",
} as const;

export const NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/**
 * The "Name ID format" choices of a Google custom SAML app (Admin console → Service provider details),
 * as the URIs Google puts in NameID/@Format. EMAIL is the usual choice; the admin may pick another.
 */
export const NAMEID_FORMATS = {
  UNSPECIFIED: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
  EMAIL: NAMEID_EMAIL,
  X509_SUBJECT: "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName",
  ENTITY: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity",
  PERSISTENT: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
  TRANSIENT: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
} as const;
export type NameIdFormat = keyof typeof NAMEID_FORMATS;
export const BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
export const BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
export const STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
const XS = "http://www.w3.org/2001/XMLSchema";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";
const CM_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const AC_UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";
/** Google signs with RSA-SHA256 and SHA-256 digests; SHA-1 exists here only for forgeries. */
export const ALGORITHMS = {
  rsaSha256: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  sha256: "http://www.w3.org/2001/04/xmlenc#sha256",
  rsaSha1: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
  sha1: "http://www.w3.org/2000/09/xmldsig#sha1",
} as const;
export interface SigningAlgorithms {
  signature: string;
  digest: string;
}
const GOOGLE_ALGORITHMS: SigningAlgorithms = { signature: ALGORITHMS.rsaSha256, digest: ALGORITHMS.sha256 };
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/** Google's assertion validity window: IssueInstant ± 5 minutes. */
export const VALIDITY_MS = 5 * 60 * 1000;

/** The Google entity ID of an IdP: a fixed accounts.google.com URL, wherever the simulator runs. */
export function entityIdFor(idpId: string): string {
  return `https://accounts.google.com/o/saml2?idpid=${encodeURIComponent(idpId)}`;
}

/** Google-style SAML IDs: an underscore and 32 hex characters. */
export function samlId(): string {
  return `_${randomBytes(16).toString("hex")}`;
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function attr(name: string, value: string | undefined): string {
  return value === undefined ? "" : ` ${name}="${escapeXml(value)}"`;
}

function iso(date: Date): string {
  return date.toISOString();
}

/** Every field of an assertion, so forgeries can change exactly one thing. */
export interface AssertionFields {
  id: string;
  issuer: string;
  nameId: string;
  /** NameID/@Format: the app's Name ID format (EMAIL unless the admin chose another). */
  nameIdFormat: string;
  issueInstant: Date;
  /** SubjectConfirmationData Recipient: the ACS URL. */
  recipient: string;
  inResponseTo?: string | undefined;
  /** SubjectConfirmationData NotOnOrAfter. */
  subjectNotOnOrAfter: Date;
  notBefore: Date;
  notOnOrAfter: Date;
  audience: string;
  sessionIndex: string;
  authnInstant: Date;
  /** The app's attribute mapping for this user; no AttributeStatement when empty. */
  attributes: SamlAttribute[];
}

export interface SamlAttribute {
  name: string;
  values: string[];
}

export interface ResponseFields {
  id: string;
  issuer: string;
  destination: string;
  issueInstant: Date;
  inResponseTo?: string | undefined;
  status: ResponseStatus;
}

/** saml2p:Status. Google posts only Success (it shows an error page instead); forgeries set others. */
export interface ResponseStatus {
  code: string;
  subCode?: string | undefined;
  message?: string | undefined;
}

/** The fields of a genuine Google assertion issued at `now`. */
export function genuineFields(input: {
  idpId: string;
  email: string;
  acsUrl: string;
  audience: string;
  inResponseTo?: string | undefined;
  now: Date;
  nameIdFormat?: NameIdFormat | undefined;
  attributes?: SamlAttribute[] | undefined;
}): { assertion: AssertionFields; response: ResponseFields } {
  const issuer = entityIdFor(input.idpId);
  const now = input.now;
  return {
    assertion: {
      id: samlId(),
      issuer,
      nameId: input.email,
      nameIdFormat: NAMEID_FORMATS[input.nameIdFormat ?? "EMAIL"],
      issueInstant: now,
      recipient: input.acsUrl,
      inResponseTo: input.inResponseTo,
      subjectNotOnOrAfter: new Date(now.getTime() + VALIDITY_MS),
      notBefore: new Date(now.getTime() - VALIDITY_MS),
      notOnOrAfter: new Date(now.getTime() + VALIDITY_MS),
      audience: input.audience,
      sessionIndex: samlId(),
      authnInstant: now,
      attributes: input.attributes ?? [],
    },
    response: {
      id: samlId(),
      issuer,
      destination: input.acsUrl,
      issueInstant: now,
      inResponseTo: input.inResponseTo,
      status: { code: STATUS_SUCCESS },
    },
  };
}

/** Google's AttributeStatement: one Attribute per mapping, each value typed xs:anyType (OpenSAML). */
function attributeStatementXml(attributes: SamlAttribute[]): string {
  if (attributes.length === 0) return "";
  const values = (a: SamlAttribute) =>
    a.values
      .map(
        (v) =>
          `<saml2:AttributeValue xmlns:xs="${XS}" xmlns:xsi="${XSI}" xsi:type="xs:anyType">${escapeXml(v)}</saml2:AttributeValue>`,
      )
      .join("");
  return `<saml2:AttributeStatement>${attributes
    .map((a) => `<saml2:Attribute${attr("Name", a.name)}>${values(a)}</saml2:Attribute>`)
    .join("")}</saml2:AttributeStatement>`;
}

/** A saml2:Assertion shaped like the ones Google (OpenSAML) emits; compact, no whitespace nodes. */
export function assertionXml(f: AssertionFields): string {
  return (
    `<saml2:Assertion xmlns:saml2="${NS.assertion}"${attr("ID", f.id)}${attr("IssueInstant", iso(f.issueInstant))} Version="2.0">` +
    `<saml2:Issuer>${escapeXml(f.issuer)}</saml2:Issuer>` +
    "<saml2:Subject>" +
    `<saml2:NameID${attr("Format", f.nameIdFormat)}>${escapeXml(f.nameId)}</saml2:NameID>` +
    `<saml2:SubjectConfirmation Method="${CM_BEARER}">` +
    `<saml2:SubjectConfirmationData${attr("InResponseTo", f.inResponseTo)}${attr("NotOnOrAfter", iso(f.subjectNotOnOrAfter))}${attr("Recipient", f.recipient)}/>` +
    "</saml2:SubjectConfirmation>" +
    "</saml2:Subject>" +
    `<saml2:Conditions${attr("NotBefore", iso(f.notBefore))}${attr("NotOnOrAfter", iso(f.notOnOrAfter))}>` +
    `<saml2:AudienceRestriction><saml2:Audience>${escapeXml(f.audience)}</saml2:Audience></saml2:AudienceRestriction>` +
    "</saml2:Conditions>" +
    `<saml2:AuthnStatement${attr("AuthnInstant", iso(f.authnInstant))}${attr("SessionIndex", f.sessionIndex)}>` +
    `<saml2:AuthnContext><saml2:AuthnContextClassRef>${AC_UNSPECIFIED}</saml2:AuthnContextClassRef></saml2:AuthnContext>` +
    "</saml2:AuthnStatement>" +
    attributeStatementXml(f.attributes) +
    "</saml2:Assertion>"
  );
}

function statusXml(s: ResponseStatus): string {
  const sub = s.subCode === undefined ? "" : `<saml2p:StatusCode${attr("Value", s.subCode)}/>`;
  const message =
    s.message === undefined ? "" : `<saml2p:StatusMessage>${escapeXml(s.message)}</saml2p:StatusMessage>`;
  return `<saml2p:Status><saml2p:StatusCode${attr("Value", s.code)}${sub === "" ? "/>" : `>${sub}</saml2p:StatusCode>`}${message}</saml2p:Status>`;
}

/** A saml2p:Response wrapping `inner` (one or more assertions, already serialised). */
export function responseXml(f: ResponseFields, inner: string): string {
  return (
    `<saml2p:Response xmlns:saml2p="${NS.protocol}"${attr("Destination", f.destination)}${attr("ID", f.id)}${attr("InResponseTo", f.inResponseTo)}${attr("IssueInstant", iso(f.issueInstant))} Version="2.0">` +
    `<saml2:Issuer xmlns:saml2="${NS.assertion}">${escapeXml(f.issuer)}</saml2:Issuer>` +
    statusXml(f.status) +
    inner +
    "</saml2p:Response>"
  );
}

/**
 * Signs the element whose ID is `id` (enveloped signature, exclusive c14n, RSA-SHA256, SHA-256
 * digest), placing ds:Signature right after that element's Issuer as the SAML schema requires and
 * putting the signing certificate in KeyInfo, as Google does.
 */
export function signById(
  xml: string,
  id: string,
  credential: SigningCredential,
  algorithms: SigningAlgorithms = GOOGLE_ALGORITHMS,
): string {
  const sig = new SignedXml({
    privateKey: credential.privateKeyPem,
    publicCert: credential.certificatePem,
    signatureAlgorithm: algorithms.signature,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const target = `//*[@ID='${id}']`;
  sig.addReference({ xpath: target, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: algorithms.digest });
  sig.computeSignature(xml, {
    prefix: "ds",
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: "after" },
  });
  return sig.getSignedXml();
}

export interface BuildOptions {
  assertionKey?: SigningCredential | undefined;
  responseKey?: SigningCredential | undefined;
  /** Google's RSA-SHA256 / SHA-256 unless a forgery asks otherwise. */
  algorithms?: SigningAlgorithms | undefined;
}

/**
 * What Google signs, by the app's "Signed response" box: unticked (the default), the assertion
 * only; ticked, the whole response only, leaving the assertion inside unsigned. Sources:
 * node-saml/passport-saml#852, OCA/server-auth#321, goauthentik/authentik#22811 and #22812,
 * flipboxfactory/saml-sp#173.
 */
export function googleSigning(key: SigningCredential, signResponse: boolean): BuildOptions {
  return signResponse ? { responseKey: key } : { assertionKey: key };
}

/** Builds the full response: the assertion signed (if a key is given), then the response (if one is given). */
export function buildResponse(
  fields: { assertion: AssertionFields; response: ResponseFields },
  options: BuildOptions,
): string {
  let assertion = assertionXml(fields.assertion);
  if (options.assertionKey)
    assertion = signById(assertion, fields.assertion.id, options.assertionKey, options.algorithms);
  let response = responseXml(fields.response, assertion);
  if (options.responseKey)
    response = signById(response, fields.response.id, options.responseKey, options.algorithms);
  return response;
}

export function metadataXml(input: {
  entityId: string;
  ssoUrl: string;
  certificates: readonly SigningCredential[];
}): string {
  const validUntil = new Date(Math.max(...input.certificates.map((c) => c.notAfter.getTime())));
  const keys = input.certificates
    .map(
      (c) =>
        '<md:KeyDescriptor use="signing">' +
        `<ds:KeyInfo xmlns:ds="${NS.dsig}"><ds:X509Data><ds:X509Certificate>${c.certificateBase64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
        "</md:KeyDescriptor>",
    )
    .join("\n    ");
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<md:EntityDescriptor xmlns:md="${NS.metadata}" entityID="${escapeXml(input.entityId)}" validUntil="${iso(validUntil)}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS.protocol}">
    ${keys}
    <md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>
    <md:SingleSignOnService Binding="${BINDING_REDIRECT}" Location="${escapeXml(input.ssoUrl)}"/>
    <md:SingleSignOnService Binding="${BINDING_POST}" Location="${escapeXml(input.ssoUrl)}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}
