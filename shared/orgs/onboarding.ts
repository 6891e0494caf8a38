// Onboarding a company, whichever way it arrives (the phone system's route or a super admin's first
// Google sign-in): one org per company, created once, audited. A repeat finds the org it created and
// re-publishes the same audit event (same id), which the audit log stores once.
import { publishAuditEvent } from "../audit";
import type { EventPublisher } from "../platform/pubsub";
import type { CreatedOrg, NewOrg, OrgRepository } from "./org-repository";

export interface OnboardingDeps {
  orgs: OrgRepository;
  publisher: EventPublisher;
  clock: () => Date;
}

export async function onboardOrg(
  deps: OnboardingDeps,
  input: NewOrg,
  actor: { type: "system" | "google"; id: string },
): Promise<CreatedOrg> {
  const result = await deps.orgs.create(input, deps.clock());
  const { org } = result;
  await publishAuditEvent(deps.publisher, {
    id: `org.created:${org.id}`,
    orgId: org.id,
    action: "org.created",
    outcome: "success",
    actor,
    target: { type: "org", id: org.id },
    ...(org.createdAt ? { occurredAt: org.createdAt.toISOString() } : {}),
    details: {
      via: org.createdBy ?? input.createdBy,
      primaryDomain: org.primaryDomain,
      domains: org.domains.join(" "),
      googleCustomerId: org.googleCustomerId,
    },
  });
  return result;
}
