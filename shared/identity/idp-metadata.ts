// Parses the IdP metadata XML an admin downloads from Google (Admin console → SAML app) into what the
// service provider needs: entity ID, SSO URL and the signing certificates with their expiry. Pure.
import { X509Certificate } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";
import { AppError } from "../platform/errors";
import { SAML_XML_LIMITS, xmlLimitProblem } from "./xml-limits";

const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
export const CERT_WARNING_DAYS = 30;

export interface IdpCertificate {
  pem: string;
  notAfter: string;
  fingerprintSha256: string;
}

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: IdpCertificate[];
}

const invalid = (message: string) => new AppError("validation_failed", `IdP metadata: ${message}`);

/** Refuses DTDs and entity declarations before any parser sees the document (XXE, billion laughs). */
export function assertNoDoctype(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new AppError("invalid_request", "XML with a DTD or entity declarations is refused");
}

export function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, "");
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join("\n") ?? ""}\n-----END CERTIFICATE-----\n`;
}

export function describeCertificate(pem: string): IdpCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw invalid("a signing certificate is not a valid X.509 certificate");
  }
  return { pem, notAfter: new Date(cert.validTo).toISOString(), fingerprintSha256: cert.fingerprint256 };
}

export function parseIdpMetadata(xml: string): IdpMetadata {
  if (xml.length > 100_000) throw invalid("document is larger than 100 kB");
  assertNoDoctype(xml);
  const problem = xmlLimitProblem(xml, SAML_XML_LIMITS);
  if (problem) throw invalid(problem);
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: {
      warning: () => {},
      error: (msg: string) => errors.push(msg),
      fatalError: (msg: string) => errors.push(msg),
    },
  }).parseFromString(xml, "text/xml");
  if (errors.length > 0 || !doc.documentElement) throw invalid("not well-formed XML");
  const root = doc.documentElement;
  if (root.localName !== "EntityDescriptor" || root.namespaceURI !== MD)
    throw invalid("root is not an md:EntityDescriptor");
  const entityId = root.getAttribute("entityID");
  if (!entityId) throw invalid("entityID is missing");
  const idp = root.getElementsByTagNameNS(MD, "IDPSSODescriptor")[0];
  if (!idp) throw invalid("no IDPSSODescriptor");
  const services = Array.from(idp.getElementsByTagNameNS(MD, "SingleSignOnService"));
  const byBinding = (binding: string) =>
    services.find((s) => s.getAttribute("Binding") === binding)?.getAttribute("Location");
  const ssoUrl = byBinding(REDIRECT) ?? byBinding(POST);
  if (!ssoUrl || !/^https?:\/\//.test(ssoUrl))
    throw invalid("no SingleSignOnService with an HTTP-Redirect or HTTP-POST binding");
  const keys = Array.from(idp.getElementsByTagNameNS(MD, "KeyDescriptor")).filter(
    (k) => (k.getAttribute("use") ?? "signing") === "signing",
  );
  const certificates = keys
    .flatMap((k) => Array.from(k.getElementsByTagNameNS(DS, "X509Certificate")))
    .map((c) => describeCertificate(toPem(c.textContent ?? "")));
  if (certificates.length === 0) throw invalid("no signing certificate");
  if (certificates.length > 2) throw invalid("more than two signing certificates (Google allows two)");
  return { entityId, ssoUrl, certificates };
}

/** Certificates that expire within the warning window (or already have), for the admin. */
export function certificateWarnings(certs: IdpCertificate[], now = new Date()): string[] {
  return certs.flatMap((c) => {
    const days = Math.floor((Date.parse(c.notAfter) - now.getTime()) / 86_400_000);
    if (days < 0)
      return [`certificate ${c.fingerprintSha256.slice(0, 11)}… expired on ${c.notAfter.slice(0, 10)}`];
    if (days <= CERT_WARNING_DAYS)
      return [
        `certificate ${c.fingerprintSha256.slice(0, 11)}… expires in ${days} days (${c.notAfter.slice(0, 10)}): add the new one before then`,
      ];
    return [];
  });
}
