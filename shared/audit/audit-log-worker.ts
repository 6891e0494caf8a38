// The audit-log function's composition root.

import { pubSubHandler } from "../platform/cloudevent";
import { firestore } from "../platform/firestore";
import { AuditEventMessage } from "./audit-event";
import { type AuditRepository, firestoreAuditRepository } from "./audit-repository";
import { recordAuditEvent } from "./record-audit-event";

export function createAuditLogHandler() {
  let repo: AuditRepository | undefined;
  return pubSubHandler(AuditEventMessage, (message, log) => {
    repo ??= firestoreAuditRepository(firestore());
    return recordAuditEvent(repo, message, log);
  });
}
