import { createRequire } from "node:module";
import { inflateRawSync } from "node:zlib";
import { NS } from "./xml";

/**
 * The few DOM members this module reads. @xmldom/xmldom is loaded through `require` with these
 * local types on purpose: its own typings pull `lib="dom"` into the whole project's compilation.
 */
export interface DomNode {
  nodeType: number;
  localName: string | null;
  namespaceURI: string | null;
  nodeValue: string | null;
  textContent: string | null;
  firstChild: DomNode | null;
  childNodes: ArrayLike<DomNode>;
  getElementsByTagNameNS(namespaceURI: string, localName: string): ArrayLike<DomElement>;
}
export interface DomElement extends DomNode {
  getAttribute(name: string): string | null;
}
export interface DomDocument extends DomNode {
  documentElement: DomElement | null;
}
interface XmlDom {
  DOMParser: new (options: {
    errorHandler: { warning(msg: string): void; error(msg: string): void; fatalError(msg: string): void };
  }) => { parseFromString(xml: string, mimeType: string): DomDocument };
}
const xmldom = createRequire(import.meta.url)("@xmldom/xmldom") as XmlDom;

const ELEMENT_NODE = 1;
const DOCUMENT_TYPE_NODE = 10;

export class InvalidAuthnRequest extends Error {
  override readonly name = "InvalidAuthnRequest";
}

export interface AuthnRequest {
  id: string;
  issuer: string | undefined;
  acsUrl: string | undefined;
  protocolBinding: string | undefined;
  destination: string | undefined;
  forceAuthn: boolean;
  isPassive: boolean;
  xml: string;
}

/** Decodes SAMLRequest as sent with HTTP-Redirect (base64 of raw DEFLATE) or HTTP-POST (base64). */
export function decodeSamlRequest(value: string, binding: "redirect" | "post"): string {
  const bytes = Buffer.from(value, "base64");
  if (bytes.length === 0) throw new InvalidAuthnRequest("SAMLRequest is empty or not base64");
  if (binding === "post") return bytes.toString("utf8");
  try {
    return inflateRawSync(bytes, { maxOutputLength: 256 * 1024 }).toString("utf8");
  } catch {
    throw new InvalidAuthnRequest("SAMLRequest is not DEFLATE-compressed (HTTP-Redirect binding)");
  }
}

/** Parses XML strictly: any parser error or a DOCTYPE is refused (no DTDs in SAML). */
export function parseStrict(xml: string): DomDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new InvalidAuthnRequest("DOCTYPE is not allowed in SAML messages");
  const fail = (msg: string): never => {
    throw new InvalidAuthnRequest(`malformed XML: ${msg}`);
  };
  const doc = new xmldom.DOMParser({
    errorHandler: { warning: () => {}, error: fail, fatalError: fail },
  }).parseFromString(xml, "text/xml");
  for (const node of Array.from(doc.childNodes)) {
    if (node.nodeType === DOCUMENT_TYPE_NODE) throw new InvalidAuthnRequest("DOCTYPE is not allowed");
  }
  if (!doc.documentElement) throw new InvalidAuthnRequest("no document element");
  return doc;
}

function child(el: DomNode, ns: string, localName: string): DomElement | undefined {
  for (const node of Array.from(el.childNodes)) {
    if (node.nodeType === ELEMENT_NODE && node.localName === localName && node.namespaceURI === ns) {
      return node as DomElement;
    }
  }
  return undefined;
}

function optional(value: string | null): string | undefined {
  return value === null || value === "" ? undefined : value;
}

export function parseAuthnRequest(xml: string): AuthnRequest {
  const root = parseStrict(xml).documentElement!;
  if (root.localName !== "AuthnRequest" || root.namespaceURI !== NS.protocol) {
    throw new InvalidAuthnRequest(`expected samlp:AuthnRequest, got ${root.localName ?? "?"}`);
  }
  const id = root.getAttribute("ID");
  if (!id) throw new InvalidAuthnRequest("AuthnRequest has no ID");
  if (root.getAttribute("Version") !== "2.0")
    throw new InvalidAuthnRequest("AuthnRequest Version must be 2.0");
  return {
    id,
    issuer: optional(child(root, NS.assertion, "Issuer")?.textContent?.trim() ?? null),
    acsUrl: optional(root.getAttribute("AssertionConsumerServiceURL")),
    protocolBinding: optional(root.getAttribute("ProtocolBinding")),
    destination: optional(root.getAttribute("Destination")),
    forceAuthn: root.getAttribute("ForceAuthn") === "true",
    isPassive: root.getAttribute("IsPassive") === "true",
    xml,
  };
}
