// The SAML service provider (node-saml, through @node-saml/passport-saml): builds the AuthnRequest
// redirect and validates what Google posts to the ACS. Every refusal is an AppError with a stable code.
import { createHash } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { type CacheProvider, type Profile, SAML, ValidateInResponseTo } from "@node-saml/passport-saml";
import { AppError, type ErrorCode, isAppError } from "../platform/errors";
import { expireAfter, isAlreadyExists } from "../platform/firestore";
import { decodeSamlResponse, readVerifiedFields } from "./saml-response";
import type { SsoConfig, SsoConfigRepository } from "./sso-config";

export interface ServiceProvider {
  entityId: string;
  acsUrl: string;
}

export const CLOCK_SKEW_MS = 60_000;
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

function samlFor(sp: ServiceProvider, config: SsoConfig, cache: CacheProvider): SAML {
  return new SAML({
    callbackUrl: sp.acsUrl,
    issuer: sp.entityId,
    audience: sp.entityId,
    entryPoint: config.ssoUrl,
    idpIssuer: config.idpEntityId,
    idpCert: config.certificates.map((c) => c.pem),
    identifierFormat: EMAIL_FORMAT,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false, // Google signs the response only when the admin ticks "Signed response"
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    maxAssertionAgeMs: 10 * 60 * 1000,
    disableRequestedAuthnContext: true,
    validateInResponseTo: config.allowIdpInitiated
      ? ValidateInResponseTo.ifPresent
      : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: 10 * 60 * 1000,
    cacheProvider: cache,
  });
}

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
}

export interface SamlSpDeps {
  db: Firestore;
  sp: ServiceProvider;
  sso: SsoConfigRepository;
  requestCache: CacheProvider;
  now?: () => Date;
}

export function samlServiceProvider(deps: SamlSpDeps) {
  const now = deps.now ?? (() => new Date());

  async function configFor(orgId: string): Promise<SsoConfig> {
    const config = await deps.sso.get(orgId);
    if (!config)
      throw new AppError("sso_not_configured", "Single sign-on is not set up for this organisation");
    return config;
  }

  /** Stores the assertion id until it expires: a second use of the same assertion is a replay. */
  async function rememberAssertion(orgId: string, assertionId: string, notOnOrAfter: string | undefined) {
    const until = notOnOrAfter
      ? new Date(Date.parse(notOnOrAfter) + CLOCK_SKEW_MS)
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
    /** The IdP URL to send the browser to, with a signed-in-nowhere AuthnRequest and our RelayState. */
    async loginUrl(orgId: string, relayState: string): Promise<string> {
      const config = await configFor(orgId);
      return samlFor(deps.sp, config, deps.requestCache).getAuthorizeUrlAsync(relayState, undefined, {});
    },

    metadataXml(): string {
      // Metadata needs no IdP: any config will do to render the SP's own description.
      const saml = new SAML({
        callbackUrl: deps.sp.acsUrl,
        issuer: deps.sp.entityId,
        idpCert: "unused",
        identifierFormat: EMAIL_FORMAT,
      });
      return saml.generateServiceProviderMetadata(null, null);
    },

    /** Which organisation a posted response claims to come from (unverified until `verify`). */
    async organisationOf(form: { SAMLResponse?: unknown }): Promise<string> {
      const { issuer } = decodeSamlResponse(form.SAMLResponse);
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
      form: { SAMLResponse?: unknown; RelayState?: unknown },
    ): Promise<VerifiedLogin> {
      const config = await configFor(orgId);
      let profile: Profile | null;
      try {
        const result = await samlFor(deps.sp, config, deps.requestCache).validatePostResponseAsync({
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
      if (
        profile.nameIDFormat &&
        profile.nameIDFormat !== EMAIL_FORMAT &&
        !profile.nameIDFormat.endsWith(":unspecified")
      ) {
        throw new AppError("saml_malformed", "The SAML NameID is not an email address");
      }
      await rememberAssertion(orgId, fields.assertionId, fields.notOnOrAfter);
      return {
        orgId,
        email: profile.nameID.toLowerCase(),
        assertionId: fields.assertionId,
        inResponseTo: typeof profile.inResponseTo === "string" ? profile.inResponseTo : undefined,
        sessionIndex: profile.sessionIndex,
      };
    },
  };
}

export type SamlServiceProvider = ReturnType<typeof samlServiceProvider>;
