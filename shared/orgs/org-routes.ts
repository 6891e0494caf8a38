// The org's own settings for its admins (GET/PATCH /v1/admin/org), and onboarding from the phone system
// (POST /v1/telephony/orgs, its service token): both mounted in the api function.
import { z } from "zod";
import { publishAuditEvent } from "../audit";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import { type OnboardingDeps, onboardOrg } from "./onboarding";
import type { Org, OrgPatch } from "./org-repository";
import { checkRegion, checkSignInPolicy, checkTimeZone, DomainName, SignInPolicy } from "./org-settings";

export interface OrgRouteDeps extends OnboardingDeps {
  /** After the default region changed: stored numbers are re-normalised in the background. */
  regionChanged?: (orgId: string, region: string) => Promise<unknown>;
}

/** What orgView returns, as the API describes it. */
const OrgAnswer = z.object({
  id: z.string(),
  displayName: z.string(),
  primaryDomain: z.string().nullable(),
  domains: z.array(z.string()),
  googleCustomerId: z.string().nullable(),
  defaultRegion: z.string().nullable(),
  defaultTimeZone: z.string().nullable(),
  signInPolicy: SignInPolicy,
  jit: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});

export const orgView = (org: Org): z.infer<typeof OrgAnswer> => ({
  id: org.id,
  displayName: org.displayName,
  primaryDomain: org.primaryDomain,
  domains: org.domains,
  googleCustomerId: org.googleCustomerId,
  defaultRegion: org.defaultRegion,
  defaultTimeZone: org.defaultTimeZone,
  signInPolicy: org.signInPolicy,
  jit: org.jitProvisioning,
  createdBy: org.createdBy,
  createdAt: org.createdAt?.toISOString() ?? null,
  updatedAt: org.updatedAt?.toISOString() ?? null,
});

const PatchOrg = z
  .object({
    displayName: z.string().trim().min(1).max(200).optional(),
    defaultRegion: z.string().max(20).optional(),
    defaultTimeZone: z.string().max(100).optional(),
    signInPolicy: SignInPolicy.partial().strict().optional(),
    jit: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "name at least one setting to change");

const NewOrgBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    primaryDomain: DomainName,
    /** The org's other Workspace domains (secondary domains), claimed with it. */
    domains: z.array(DomainName).max(50).optional(),
    firstAdminEmail: z.email().max(320),
    region: z.string().max(20),
    timeZone: z.string().max(100),
    /** The phone system's own id for the company, used as the org id; generated when absent. */
    orgId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lower-case letters, digits and - (2 to 63)")
      .optional(),
  })
  .strict();

export function orgRoutes(deps: OrgRouteDeps): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/admin/org",
      access: "admin",
      summary: "The organisation's settings: name, domains, phone region, time zone, sign-in policy, JIT",
      success: { status: 200, description: "OrgView", schema: OrgAnswer },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        const org = await deps.orgs.get(orgId);
        if (!org) throw new AppError("not_found", "The organisation has no settings yet");
        return { body: orgView(org) };
      },
    }),
    route({
      method: "PATCH",
      path: "/v1/admin/org",
      access: "admin",
      body: PatchOrg,
      summary:
        "Changes the organisation's settings; a new phone region re-normalises stored numbers in the background",
      success: { status: 200, description: "OrgView after the change", schema: OrgAnswer },
      async handler(ctx) {
        const me = principalOf(ctx);
        const current = await deps.orgs.get(me.orgId);
        if (!current) throw new AppError("not_found", "The organisation has no settings yet");
        const b = ctx.body;
        const patch: OrgPatch = {};
        if (b.displayName !== undefined) patch.displayName = b.displayName;
        if (b.defaultRegion !== undefined) patch.defaultRegion = checkRegion(b.defaultRegion);
        if (b.defaultTimeZone !== undefined) patch.defaultTimeZone = checkTimeZone(b.defaultTimeZone);
        if (b.signInPolicy !== undefined)
          patch.signInPolicy = checkSignInPolicy({
            google: b.signInPolicy.google ?? current.signInPolicy.google,
            saml: b.signInPolicy.saml ?? current.signInPolicy.saml,
            requireSaml: b.signInPolicy.requireSaml ?? current.signInPolicy.requireSaml,
          });
        if (b.jit !== undefined) patch.jitProvisioning = b.jit;
        const { before, after } = await deps.orgs.update(me.orgId, patch, deps.clock());
        const changed = (Object.keys(patch) as Array<keyof OrgPatch>).filter(
          (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
        );
        if (changed.length > 0) {
          await publishAuditEvent(deps.publisher, {
            orgId: me.orgId,
            action: "org.settings_changed",
            outcome: "success",
            actor: { type: "admin", id: me.userId },
            target: { type: "org", id: me.orgId },
            details: Object.fromEntries(
              changed.flatMap((k) => [
                [`${k}.from`, JSON.stringify(before[k])],
                [`${k}.to`, JSON.stringify(after[k])],
              ]),
            ),
          });
        }
        if (changed.includes("defaultRegion") && after.defaultRegion) {
          // The change is saved; a request that fails to go out is healed by each user's next sync,
          // which checks the region first, so the admin is not told the change failed.
          await deps
            .regionChanged?.(me.orgId, after.defaultRegion)
            .catch((error: unknown) =>
              ctx.log.warn("org.renormalise_request_failed", { error: String(error) }),
            );
        }
        return { body: orgView(after) };
      },
    }),
    route({
      method: "POST",
      path: "/v1/telephony/orgs",
      access: "service",
      body: NewOrgBody,
      summary:
        "The phone system onboards a company: creates its organisation, domain claims and first admin once (a repeat with the same domain returns it)",
      success: {
        status: 201,
        description: "{ org, created } (200 with created: false on a repeat)",
        schema: z.object({ org: OrgAnswer, created: z.boolean() }),
      },
      async handler(ctx) {
        const b = ctx.body;
        const region = checkRegion(b.region, "region");
        const timeZone = checkTimeZone(b.timeZone, "timeZone");
        const domains = [...new Set([b.primaryDomain, ...(b.domains ?? [])])];
        const adminDomain = b.firstAdminEmail.split("@")[1]!.toLowerCase();
        if (!domains.includes(adminDomain))
          throw new AppError("validation_failed", "firstAdminEmail must be in one of the org's domains", {
            details: { field: "firstAdminEmail" },
          });
        const result = await onboardOrg(
          deps,
          {
            ...(b.orgId ? { orgId: b.orgId } : {}),
            displayName: b.name,
            primaryDomain: b.primaryDomain,
            domains,
            defaultRegion: region,
            defaultTimeZone: timeZone,
            firstAdmin: { email: b.firstAdminEmail },
            createdBy: "telephony",
          },
          { type: "system", id: "telephony" },
        );
        ctx.log.info(result.created ? "org.created" : "org.onboarding_repeated", { orgId: result.org.id });
        return {
          status: result.created ? 201 : 200,
          body: { org: orgView(result.org), created: result.created },
        };
      },
    }),
  ];
}
