// A linear scan that bounds an XML document's shape before any parser, canonicaliser or signature
// check sees it. Those are superlinear in depth and width (a 145 KB SAMLResponse of nested or sibling
// elements cost the ACS 16 s to minutes of CPU), so pathological input is refused here in milliseconds.

export interface XmlLimits {
  /** Deepest element nesting allowed (the root is depth 1). */
  maxDepth: number;
  /** Elements in the whole document. */
  maxElements: number;
  /** Attributes (namespace declarations included) on one element. */
  maxAttributes: number;
}

/**
 * Bounds for SAML messages and IdP metadata. Google's response is ~35 elements, 8 deep (Response ›
 * Assertion › Signature › SignedInfo › Reference › Transforms › Transform › InclusiveNamespaces); an
 * attribute mapping adds a few per attribute and one per group. These leave ample room and keep the
 * ACS's worst case in milliseconds.
 */
export const SAML_XML_LIMITS: XmlLimits = { maxDepth: 20, maxElements: 500, maxAttributes: 32 };

/**
 * What breaks the limits, or undefined when the document is within them. Comments, CDATA sections and
 * processing instructions are skipped as a parser would; a DTD is refused (SAML allows none). The scan
 * never undercounts what a parser would build: unterminated constructs and stray end tags are refused.
 */
export function xmlLimitProblem(xml: string, limits: XmlLimits): string | undefined {
  let depth = 0;
  let elements = 0;
  let at = xml.indexOf("<");
  while (at !== -1) {
    if (xml.startsWith("<!--", at)) {
      const end = xml.indexOf("-->", at + 4);
      if (end === -1) return "a comment is not terminated";
      at = xml.indexOf("<", end + 3);
      continue;
    }
    if (xml.startsWith("<![CDATA[", at)) {
      const end = xml.indexOf("]]>", at + 9);
      if (end === -1) return "a CDATA section is not terminated";
      at = xml.indexOf("<", end + 3);
      continue;
    }
    if (xml.startsWith("<!", at)) return "a DTD or markup declaration is not allowed";
    if (xml.startsWith("<?", at)) {
      const end = xml.indexOf("?>", at + 2);
      if (end === -1) return "a processing instruction is not terminated";
      at = xml.indexOf("<", end + 2);
      continue;
    }
    if (xml.startsWith("</", at)) {
      depth -= 1;
      if (depth < 0) return "an end tag has no start tag";
      const end = xml.indexOf(">", at + 2);
      if (end === -1) return "an end tag is not terminated";
      at = xml.indexOf("<", end + 1);
      continue;
    }
    // A start tag: find its '>' outside quoted attribute values, counting attributes by their '='.
    let attributes = 0;
    let i = at + 1;
    for (; i < xml.length; i++) {
      const c = xml.charCodeAt(i);
      if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
        const close = xml.indexOf(xml[i]!, i + 1);
        if (close === -1) return "an attribute value is not terminated";
        i = close;
      } else if (c === 0x3d /* = */) {
        attributes += 1;
      } else if (c === 0x3e /* > */) {
        break;
      }
    }
    if (i >= xml.length) return "a start tag is not terminated";
    elements += 1;
    if (elements > limits.maxElements) return `more than ${limits.maxElements} elements`;
    if (attributes > limits.maxAttributes)
      return `an element has more than ${limits.maxAttributes} attributes`;
    if (xml.charCodeAt(i - 1) !== 0x2f /* / */) {
      depth += 1;
      if (depth > limits.maxDepth) return `elements nested deeper than ${limits.maxDepth} levels`;
    }
    at = xml.indexOf("<", i + 1);
  }
  return undefined;
}
