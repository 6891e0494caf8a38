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
  warnings: certificateWarnings(config.certificates, now),
});

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
      handler: async (ctx) => {
        const me = principalOf(ctx);
        const metadata = parseIdpMetadata(ctx.body.metadataXml);
        const config: SsoConfig = {
          idpEntityId: metadata.entityId,
          ssoUrl: metadata.ssoUrl,
          certificates: metadata.certificates,
          allowIdpInitiated: ctx.body.allowIdpInitiated,
          jitProvisioning: ctx.body.jitProvisioning,
          updatedAt: now().toISOString(),
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
