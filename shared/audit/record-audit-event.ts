// The audit-log worker's use case: store one audit event, exactly once.

import type { DecodedMessage } from "../platform/cloudevent";
import type { Logger } from "../platform/logger";
import type { AuditEvent } from "./audit-event";
import type { AuditRepository } from "./audit-repository";

export async function recordAuditEvent(
  repo: AuditRepository,
  message: DecodedMessage<AuditEvent>,
  log: Logger,
): Promise<void> {
  const event = message.payload;
  const stored = await repo.store(event);
  log.info(stored ? "audit.stored" : "audit.duplicate_ignored", {
    orgId: event.orgId,
    auditId: event.id,
    action: event.action,
  });
}
