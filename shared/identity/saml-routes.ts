// The auth function's SAML routes: SP metadata, SP-initiated login, and the ACS.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError, isAppError } from "../platform/errors";
import { CREDENTIAL_RATE_LIMIT, type Route, route } from "../platform/http";
import type { OneTimeRecords } from "../platform/one-time-records";
import type { EventPublisher } from "../platform/pubsub";
import { checkReturnUrl, withParams } from "./return-urls";
import type { SamlServiceProvider } from "./saml-sp";
import { auditSignInRefused, completeSignIn, type SignInDeps } from "./sign-in";
import type { SsoConfigRepository } from "./sso-config";

export const SAML_LOGIN_TTL_MS = 10 * 60 * 1000;
/** An SP-initiated login in flight, under its RelayState: the org, where to return, and the AuthnRequest id. */
export const SamlLogin = z.looseObject({ orgId: z.string(), returnTo: z.string(), requestId: z.string() });
export type SamlLogin = z.infer<typeof SamlLogin>;

/** AuthnRequest ids as Google's own: "_" and 32 hex digits (an XML ID must not start with a digit). */
const newRequestId = () => `_${randomBytes(16).toString("hex")}`;

export interface SamlRouteDeps extends SignInDeps {
  sp: SamlServiceProvider;
  sso: SsoConfigRepository;
  /** RelayState → where the app asked to return, for SP-initiated logins. */
  samlLogins: OneTimeRecords<SamlLogin>;
  publisher: EventPublisher;
  allowedReturnOrigins: () => string[];
  defaultReturnUrl: () => string | undefined;
}

const AcsForm = z.object({ SAMLResponse: z.string(), RelayState: z.string().optional() }).loose();

export function samlRoutes(deps: SamlRouteDeps): Route[] {
  return [
    route({
      method: "GET",
      path: "/saml/metadata",
      access: "public",
      summary: "SAML service provider metadata (entity ID and ACS URL) for the Google SAML app",
      handler: async () => ({
        text: await deps.sp.metadataXml(),
        headers: { "content-type": "application/samlmetadata+xml" },
      }),
    }),
    route({
      method: "GET",
      path: "/saml/login",
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      summary: "Start an SP-initiated login: redirects to the organisation's Google sign-in",
      query: {
        org: { description: "the organisation's id (required)", kind: "id", maxLength: 100 },
        return_to: { description: "where to land after sign-in (an allowed origin)", maxLength: 2048 },
      },
      success: { status: 302, description: "Redirect to the identity provider" },
      handler: async ({ query }) => {
        const orgId = query.get("org");
        if (!orgId || !/^[A-Za-z0-9_-]{1,100}$/.test(orgId))
          throw new AppError("invalid_request", "org is required");
        const returnTo = checkReturnUrl(
          query.get("return_to"),
          deps.allowedReturnOrigins(),
          deps.defaultReturnUrl(),
        );
        // The RelayState is bound to the one AuthnRequest it goes out with: the ACS accepts it only
        // beside a response to that request.
        const requestId = newRequestId();
        const relayState = await deps.samlLogins.create({ orgId, returnTo, requestId });
        return {
          status: 302,
          headers: { location: await deps.sp.loginUrl(orgId, relayState, requestId) },
          text: "",
        };
      },
    }),
    route({
      method: "POST",
      path: "/saml/acs",
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      accepts: "form",
      body: AcsForm,
      summary: "Assertion consumer service: Google posts the signed SAML response here",
      success: { status: 303, description: "Redirect to the app with a one-time login code" },
      handler: async ({ body, raw, log }) => {
        const ip = raw.ip;
        let orgId: string | undefined;
        try {
          const posted = deps.sp.inspect(body);
          orgId = await deps.sp.organisationOf(posted);
          const login = await deps.sp.verify(orgId, posted, body);
          const config = await deps.sso.get(login.orgId);
          // SP-initiated: our RelayState says where to go. IdP-initiated: Google's RelayState is the app's
          // start URL, honoured only on an allowed origin.
          let returnTo: string | undefined;
          if (login.inResponseTo) {
            const started = body.RelayState ? await deps.samlLogins.consume(body.RelayState) : undefined;
            if (!started || started.orgId !== login.orgId)
              throw new AppError(
                "saml_unknown_request",
                "The login this response answers has expired or belongs elsewhere",
              );
            if (started.requestId !== login.inResponseTo)
              throw new AppError(
                "saml_relay_state_mismatch",
                "The RelayState was issued with another login request than the one this response answers",
              );
            returnTo = started.returnTo;
          } else {
            returnTo = checkReturnUrl(
              body.RelayState || undefined,
              deps.allowedReturnOrigins(),
              deps.defaultReturnUrl(),
            );
          }
          const { code } = await completeSignIn(deps, {
            orgId: login.orgId,
            email: login.email,
            jitProvisioning: config?.jitProvisioning ?? false,
            method: "saml",
            assertionId: login.assertionId,
            ...(ip ? { ip } : {}),
          });
          return { status: 303, headers: { location: withParams(returnTo, { code }) }, text: "" };
        } catch (error) {
          const refusal = isAppError(error)
            ? error
            : new AppError("internal", "Sign-in failed", { cause: error });
          if (refusal.status < 500) {
            // The library's own words help diagnose an IdP misconfiguration; they carry no secret.
            log.warn("sso.login.refused", {
              code: refusal.code,
              detail: (refusal.cause as Error | undefined)?.message,
            });
            if (orgId)
              await auditSignInRefused(deps.publisher, { orgId, method: "saml", code: refusal.code, ip });
          }
          throw refusal;
        }
      },
    }),
  ];
}
