// Admin routes to set up single sign-on from Google's IdP metadata.
import { z } from "zod";
import { publishAuditEvent } from "../audit";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import type { EventPublisher } from "../platform/pubsub";
import { certificateWarnings, parseIdpMetadata } from "./idp-metadata";
import type { SsoConfig, SsoConfigRepository } from "./sso-config";

const PutSso = z.object({
  metadataXml: z.string().min(100).max(100_000),
  allowIdpInitiated: z.boolean().default(false),
  jitProvisioning: z.boolean().default(false),
});

const view = (config: SsoConfig, now: Date) => ({
  idpEntityId: config.idpEntityId,
  ssoUrl: config.ssoUrl,
  certificates: config.certificates.map(({ notAfter, fingerprintSha256 }) => ({
    notAfter,
    fingerprintSha256,
  })),
  allowIdpInitiated: config.allowIdpInitiated,
  jitProvisioning: config.jitProvisioning,
  updatedAt: config.updatedAt,
  /** What Google signed in the last accepted sign-in, or null before the first one. */
  signing: config.signedPart
    ? {
        signedPart: config.signedPart.part,
        since: config.signedPart.since,
        meaning: SIGNED_PART_MEANING[config.signedPart.part],
      }
    : null,
  warnings: certificateWarnings(config.certificates, now),
});

/** What `view` returns, as the API describes it. */
const SsoAnswer = z.object({
  idpEntityId: z.string(),
  ssoUrl: z.string(),
  certificates: z.array(z.object({ notAfter: z.string(), fingerprintSha256: z.string() })),
  allowIdpInitiated: z.boolean(),
  jitProvisioning: z.boolean(),
  updatedAt: z.string(),
  signing: z
    .object({ signedPart: z.enum(["assertion", "response", "both"]), since: z.string(), meaning: z.string() })
    .nullable(),
  warnings: z.array(z.string()),
});

const SIGNED_PART_MEANING = {
  assertion: 'Google signs the assertion ("Signed response" is off in the Google SAML app)',
  response:
    'Google signs the whole response, not the assertion ("Signed response" is on in the Google SAML app)',
  both: "The identity provider signs both the response and the assertion",
} as const;

export function ssoAdminRoutes(deps: {
  sso: SsoConfigRepository;
  publisher: EventPublisher;
  now?: () => Date;
}): Route[] {
  const now = deps.now ?? (() => new Date());
  return [
    route({
      method: "GET",
      path: "/v1/admin/sso",
      access: "admin",
      summary: "The organisation's SAML settings, with certificate expiry warnings",
      success: { status: 200, description: "SsoView", schema: SsoAnswer },
      handler: async (ctx) => {
        const config = await deps.sso.get(principalOf(ctx).orgId);
        if (!config) throw new AppError("sso_not_configured", "Single sign-on is not set up yet");
        return { body: view(config, now()) };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/admin/sso",
      access: "admin",
      body: PutSso,
      summary: "Set up SAML from Google's IdP metadata XML (one or two certificates, for rotation)",
      success: { status: 200, description: "SsoView", schema: SsoAnswer },
      handler: async (ctx) => {
        const me = principalOf(ctx);
        const metadata = parseIdpMetadata(ctx.body.metadataXml);
        const previous = await deps.sso.get(me.orgId);
        const config: SsoConfig = {
          idpEntityId: metadata.entityId,
          ssoUrl: metadata.ssoUrl,
          certificates: metadata.certificates,
          allowIdpInitiated: ctx.body.allowIdpInitiated,
          jitProvisioning: ctx.body.jitProvisioning,
          updatedAt: now().toISOString(),
          // Same IdP (a certificate rotation, a settings change): what it signs is still known.
          ...(previous?.signedPart && previous.idpEntityId === metadata.entityId
            ? { signedPart: previous.signedPart }
            : {}),
        };
        await deps.sso.save(me.orgId, config);
        await publishAuditEvent(deps.publisher, {
          orgId: me.orgId,
          action: "sso.configured",
          outcome: "success",
          actor: { type: "admin", id: me.userId },
          details: { idpEntityId: config.idpEntityId, certificates: config.certificates.length },
        });
        return { body: view(config, now()) };
      },
    }),
  ];
}
