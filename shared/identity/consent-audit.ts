// The audit event of a consent action (connect, callback outcome, disconnect) on one integration.
import { publishAuditEvent } from "../audit";
import type { IdentityServices } from "./identity-services";
import type { IntegrationName } from "./integrations";

export async function auditConsent(
  services: IdentityServices,
  input: {
    orgId: string;
    userId: string;
    action: string;
    outcome: "success" | "failure";
    integration: IntegrationName;
    reason?: string;
    details?: Record<string, string | number | boolean | null>;
  },
) {
  await publishAuditEvent(services.deps.publisher, {
    orgId: input.orgId,
    action: input.action,
    outcome: input.outcome,
    actor: { type: "user", id: input.userId },
    target: { type: "integration", id: `${input.userId}/${input.integration}` },
    ...(input.reason ? { reason: input.reason } : {}),
    details: { integration: input.integration, ...input.details },
    occurredAt: services.deps.clock().toISOString(),
  });
}
