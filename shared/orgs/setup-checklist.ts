// The setup checklist an admin console renders (GET /v1/admin/setup): each step of setting an org up,
// its state, what is missing and the route that fixes it. What other capabilities hold (SAML, the
// directory connection, provisioning rules, dial-in numbers) arrives through small probes the
// composition root hands in, so this capability imports none of them.
import { z } from "zod";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import type { Org, OrgRepository } from "./org-repository";

export interface SetupProbes {
  ssoConfigured(orgId: string): Promise<boolean>;
  directoryConnected(orgId: string): Promise<boolean>;
  provisioningConfigured(orgId: string): Promise<boolean>;
  dialInNumbers(orgId: string): Promise<number>;
}

export type StepState = "done" | "missing" | "optional";

export interface SetupStep {
  step: "sign_in_method" | "saml" | "directory" | "provisioning" | "dial_in" | "region_time_zone";
  state: StepState;
  /** What is missing, in words an admin acts on (absent when done). */
  missing?: string;
  /** The route that fixes it. */
  fix: string;
}

export function setupSteps(
  org: Org,
  facts: { sso: boolean; directory: boolean; provisioning: boolean; dialIn: number },
): SetupStep[] {
  const { google, saml, requireSaml } = org.signInPolicy;
  const step = (s: SetupStep["step"], state: StepState, fix: string, missing?: string): SetupStep => ({
    step: s,
    state,
    fix,
    ...(state !== "done" && missing ? { missing } : {}),
  });
  const samlUsable = saml && facts.sso;
  const unset = [
    ...(org.defaultRegion ? [] : ["default phone region"]),
    ...(org.defaultTimeZone ? [] : ["default time zone"]),
  ];
  return [
    step(
      "sign_in_method",
      (google && !requireSaml) || samlUsable ? "done" : "missing",
      "PATCH /v1/admin/org",
      requireSaml
        ? "SAML is required but not set up: only admins can sign in (with Google)"
        : "No sign-in method is usable",
    ),
    step(
      "saml",
      facts.sso ? "done" : requireSaml ? "missing" : "optional",
      "PUT /v1/admin/sso",
      requireSaml
        ? "SAML is required: upload Google's IdP metadata"
        : "SAML single sign-on is not set up (optional)",
    ),
    step(
      "directory",
      facts.directory ? "done" : "missing",
      "PUT /v1/admin/directory/connection",
      "Connect the Google Workspace directory so users are provisioned from it",
    ),
    step(
      "provisioning",
      facts.provisioning ? "done" : "missing",
      "PUT /v1/admin/provisioning/settings",
      "Choose who gets a phone-system account (organisational units or groups)",
    ),
    step(
      "dial_in",
      facts.dialIn > 0 ? "done" : "missing",
      "PUT /v1/admin/meetings/dial-in",
      "Add dial-in numbers for meetings",
    ),
    step(
      "region_time_zone",
      unset.length === 0 ? "done" : "missing",
      "PATCH /v1/admin/org",
      `Set the ${unset.join(" and ")} (numbers typed without a country code are read as US until then)`,
    ),
  ];
}

export function setupRoutes(deps: { orgs: OrgRepository; probes: SetupProbes }): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/admin/setup",
      access: "admin",
      summary: "The setup checklist: each step's state, what is missing and the route that fixes it",
      success: {
        status: 200,
        description: "{ complete, steps: [{ step, state, missing?, fix }] }",
        schema: z.object({
          complete: z.boolean(),
          steps: z.array(
            z.object({
              step: z.enum([
                "sign_in_method",
                "saml",
                "directory",
                "provisioning",
                "dial_in",
                "region_time_zone",
              ]),
              state: z.enum(["done", "missing", "optional"]),
              missing: z.string().optional(),
              fix: z.string(),
            }),
          ),
        }),
      },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        const org = await deps.orgs.get(orgId);
        if (!org) throw new AppError("not_found", "The organisation has no settings yet");
        const p = deps.probes;
        const [sso, directory, provisioning, dialIn] = await Promise.all([
          p.ssoConfigured(orgId),
          p.directoryConnected(orgId),
          p.provisioningConfigured(orgId),
          p.dialInNumbers(orgId),
        ]);
        const steps = setupSteps(org, { sso, directory, provisioning, dialIn });
        return { body: { complete: steps.every((s) => s.state !== "missing"), steps } };
      },
    }),
  ];
}
