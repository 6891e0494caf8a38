// The SAML service provider (node-saml, through @node-saml/passport-saml): builds the AuthnRequest
// redirect and validates what Google posts to the ACS. Every refusal is an AppError with a stable code.
import { createHash } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { CacheProvider, Profile, SAML } from "@node-saml/passport-saml";
import { AppError, type ErrorCode, isAppError } from "../platform/errors";
import { expireAfter, isAlreadyExists } from "../platform/firestore";
import { loadOnFirstUse } from "../platform/lazy-module";
import {
  decodeSamlResponse,
  type PostedResponse,
  readVerifiedFields,
  type SignedPart,
  STATUS_SUCCESS,
  signedPartOf,
} from "./saml-response";
import type { SsoConfig, SsoConfigRepository } from "./sso-config";

export interface ServiceProvider {
  entityId: string;
  acsUrl: string;
}

/** The default tolerance on assertion times (configurable as SAML_CLOCK_SKEW_MS). */
export const DEFAULT_CLOCK_SKEW_MS = 30_000;
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/**
 * NameID formats whose value is taken as the user's email. Google sends the mapped Name ID field (the
 * primary email by default) whatever format the admin picks, so EMAIL, UNSPECIFIED and PERSISTENT all
 * carry it; the value must still be an email address. TRANSIENT (a one-off id by definition), X509 subject
 * and ENTITY are refused with a code the admin can act on.
 */
const EMAIL_BEARING_FORMATS = new Set([
  EMAIL_FORMAT,
  "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
  "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
]);
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

interface SamlOptions {
  clockSkewMs: number;
  /** The signatures the response carries; each present one is required to verify, and at least one must exist. */
  signed: PostedResponse["signed"];
  /** The id the next AuthnRequest gets (bound to its RelayState by the caller). */
  requestId?: string;
}

/** node-saml loads with the first sign-in, not at import (platform/lazy-module.ts says why). */
const nodeSaml = loadOnFirstUse(() => import("@node-saml/passport-saml"));

async function samlFor(
  sp: ServiceProvider,
  config: SsoConfig,
  cache: CacheProvider,
  options: SamlOptions,
): Promise<SAML> {
  const { requestId } = options;
  const { SAML, ValidateInResponseTo } = await nodeSaml();
  return new SAML({
    callbackUrl: sp.acsUrl,
    issuer: sp.entityId,
    audience: sp.entityId,
    entryPoint: config.ssoUrl,
    idpIssuer: config.idpEntityId,
    idpCert: config.certificates.map((c) => c.pem),
    identifierFormat: EMAIL_FORMAT,
    // Google signs the assertion, or, with "Signed response" ticked, only the whole response: whichever
    // signature is there must verify, and one of them must be there (never neither).
    wantAuthnResponseSigned: options.signed.response,
    wantAssertionsSigned: options.signed.assertion || !options.signed.response,
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
    acceptedClockSkewMs: options.clockSkewMs,
    maxAssertionAgeMs: 10 * 60 * 1000,
    disableRequestedAuthnContext: true,
    validateInResponseTo: config.allowIdpInitiated
      ? ValidateInResponseTo.ifPresent
      : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: 10 * 60 * 1000,
    cacheProvider: cache,
    ...(requestId ? { generateUniqueId: () => requestId } : {}),
  });
}

const SIGNED_FOR_REQUESTS: PostedResponse["signed"] = { response: false, assertion: true };

// node-saml reports failures as plain Errors; their messages are stable enough to classify.
const CLASSIFY: Array<[RegExp, ErrorCode]> = [
  // node-saml rejects an expired SubjectConfirmationData with this message.
  [/No valid subject confirmation/i, "saml_expired"],
  [
    /signature|Cannot obtain assertion|multiple assertions|Too many signatures|Referenced node|ref URI/i,
    "saml_signature_invalid",
  ],
  [/audience|AudienceRestriction/i, "saml_audience_mismatch"],
  [/expired|not yet valid|too old|clocks skewed/i, "saml_expired"],
  [/InResponseTo is missing/i, "saml_unsolicited"],
  [/InResponseTo/i, "saml_unknown_request"],
  [/Unknown SAML issuer/i, "saml_issuer_mismatch"],
  // node-saml's SamlStatusError when a non-Success response carries no assertion.
  [/SAML provider returned/i, "saml_status_not_success"],
  [/Not a valid XML|Missing SAML|Unknown SAML response|Error parsing/i, "saml_malformed"],
];

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  saml_signature_invalid: "The SAML assertion is not signed by this organisation's identity provider",
  saml_audience_mismatch: "The SAML assertion is meant for another service provider",
  saml_expired: "The SAML assertion is outside its validity window",
  saml_unsolicited: "This organisation accepts only logins started from Switchboard",
  saml_unknown_request: "The SAML response answers no login request Switchboard has open",
  saml_issuer_mismatch: "The SAML assertion comes from another identity provider",
  saml_malformed: "The SAML response is malformed",
  saml_status_not_success: "The identity provider reported that the sign-in failed",
};

export function classifySamlError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message = (error as Error | undefined)?.message ?? "";
  const code = CLASSIFY.find(([pattern]) => pattern.test(message))?.[1] ?? "saml_signature_invalid";
  return new AppError(code, MESSAGES[code] ?? "The SAML response was refused", { cause: error });
}

export interface VerifiedLogin {
  orgId: string;
  email: string;
  assertionId: string;
  inResponseTo: string | undefined;
  sessionIndex: string | undefined;
  signedPart: SignedPart;
}

export interface SamlSpDeps {
  db: Firestore;
  sp: ServiceProvider;
  sso: SsoConfigRepository;
  requestCache: CacheProvider;
  /** Tolerated clock difference on assertion times; default 30 s. */
  clockSkewMs?: () => number;
  now?: () => Date;
}

export function samlServiceProvider(deps: SamlSpDeps) {
  const now = deps.now ?? (() => new Date());
  const clockSkewMs = () => deps.clockSkewMs?.() ?? DEFAULT_CLOCK_SKEW_MS;

  async function configFor(orgId: string): Promise<SsoConfig> {
    const config = await deps.sso.get(orgId);
    if (!config)
      throw new AppError("sso_not_configured", "Single sign-on is not set up for this organisation");
    return config;
  }

  /** Stores the assertion id until it expires: a second use of the same assertion is a replay. */
  async function rememberAssertion(orgId: string, assertionId: string, notOnOrAfter: string | undefined) {
    const until = notOnOrAfter
      ? new Date(Date.parse(notOnOrAfter) + clockSkewMs())
      : expireAfter(15 * 60 * 1000, now());
    const id = createHash("sha256").update(`${orgId}\n${assertionId}`).digest("hex");
    try {
      await deps.db.collection("samlAssertions").doc(id).create({ orgId, expireAt: until });
    } catch (error) {
      if (isAlreadyExists(error)) throw new AppError("saml_replayed", "This SAML assertion was already used");
      throw error;
    }
  }

  return {
    /** The IdP URL to send the browser to: an AuthnRequest with the given id, and our RelayState. */
    async loginUrl(orgId: string, relayState: string, requestId: string): Promise<string> {
      const config = await configFor(orgId);
      const saml = await samlFor(deps.sp, config, deps.requestCache, {
        clockSkewMs: clockSkewMs(),
        signed: SIGNED_FOR_REQUESTS,
        requestId,
      });
      return saml.getAuthorizeUrlAsync(relayState, undefined, {});
    },

    async metadataXml(): Promise<string> {
      // Metadata needs no IdP: any config will do to render the SP's own description.
      const { SAML } = await nodeSaml();
      const saml = new SAML({
        callbackUrl: deps.sp.acsUrl,
        issuer: deps.sp.entityId,
        idpCert: "unused",
        identifierFormat: EMAIL_FORMAT,
      });
      return saml.generateServiceProviderMetadata(null, null);
    },

    /** Checks a posted response's size, shape and algorithms before anything parses it deeper. */
    inspect(form: { SAMLResponse?: unknown }): PostedResponse {
      return decodeSamlResponse(form.SAMLResponse);
    },

    /** Which organisation a posted response claims to come from (unverified until `verify`). */
    async organisationOf(posted: PostedResponse): Promise<string> {
      const { issuer } = posted;
      const orgId = issuer ? await deps.sso.orgForIssuer(issuer) : undefined;
      if (!orgId)
        throw new AppError(
          "saml_unknown_idp",
          "The SAML response comes from an identity provider no organisation uses",
        );
      return orgId;
    },

    async verify(
      orgId: string,
      posted: PostedResponse,
      form: { SAMLResponse?: unknown; RelayState?: unknown },
    ): Promise<VerifiedLogin> {
      const config = await configFor(orgId);
      // Google signs with SHA-256; SHA-1 signatures and digests are forgeable and never accepted.
      const [weak] = posted.weakAlgorithms;
      if (weak) {
        throw new AppError(
          "saml_weak_algorithm",
          `The SAML response uses ${weak.algorithm || "no algorithm"} as its ${weak.element}; only SHA-256 or stronger is accepted`,
          { details: { ...weak } },
        );
      }
      let profile: Profile | null;
      try {
        const saml = await samlFor(deps.sp, config, deps.requestCache, {
          clockSkewMs: clockSkewMs(),
          signed: posted.signed,
        });
        const result = await saml.validatePostResponseAsync({
          SAMLResponse: form.SAMLResponse as string,
          ...(typeof form.RelayState === "string" ? { RelayState: form.RelayState } : {}),
        });
        profile = result.profile;
      } catch (error) {
        throw classifySamlError(error);
      }
      if (!profile) throw new AppError("saml_malformed", "The SAML response carries no assertion");
      // node-saml checks neither Destination nor Recipient: both must name our ACS.
      if (!profile.getSamlResponseXml || !profile.getAssertionXml)
        throw new AppError("saml_malformed", "The SAML response carries no assertion");
      const fields = readVerifiedFields(profile.getSamlResponseXml(), profile.getAssertionXml());
      if (fields.destination !== undefined && fields.destination !== deps.sp.acsUrl) {
        throw new AppError("saml_recipient_mismatch", "The SAML response was sent to another destination");
      }
      if (fields.recipients.length === 0 || fields.recipients.some((r) => r !== deps.sp.acsUrl)) {
        throw new AppError("saml_recipient_mismatch", "The SAML assertion is meant for another recipient");
      }
      // A valid assertion never outweighs the IdP saying the sign-in failed.
      if (posted.status.code !== STATUS_SUCCESS) {
        throw new AppError(
          "saml_status_not_success",
          `The identity provider answered ${posted.status.code ?? "without a status"}${posted.status.subCode ? ` (${posted.status.subCode})` : ""}, not Success`,
          { details: { status: posted.status.code ?? null, reason: posted.status.subCode ?? null } },
        );
      }
      const email = emailOf(profile);
      await rememberAssertion(orgId, fields.assertionId, fields.notOnOrAfter);
      const signedPart = signedPartOf(posted.signed);
      if (config.signedPart?.part !== signedPart) {
        await deps.sso.recordSignedPart(orgId, { part: signedPart, since: now().toISOString() });
      }
      return {
        orgId,
        email,
        assertionId: fields.assertionId,
        inResponseTo: typeof profile.inResponseTo === "string" ? profile.inResponseTo : undefined,
        sessionIndex: profile.sessionIndex,
        signedPart,
      };
    },
  };
}

export type SamlServiceProvider = ReturnType<typeof samlServiceProvider>;

/** The user's email from the NameID (see EMAIL_BEARING_FORMATS), or a refusal that tells the admin what to change. */
function emailOf(profile: Profile): string {
  const format = profile.nameIDFormat ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
  const value = (profile.nameID ?? "").trim();
  if (!EMAIL_BEARING_FORMATS.has(format) || !EMAIL.test(value)) {
    throw new AppError(
      "saml_nameid_unsupported",
      `The SAML NameID (format ${format}) is not the user's email address: in the Google SAML app set Name ID format to EMAIL and Name ID to Basic Information > Primary email`,
      { details: { nameIdFormat: format } },
    );
  }
  return value.toLowerCase();
}
