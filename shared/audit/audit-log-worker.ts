// The audit-log function's handler: stores each audit event once.
import type { Firestore } from "@google-cloud/firestore";
import { pubSubHandler } from "../platform/cloudevent";
import { AuditEventMessage } from "./audit-event";
import { type AuditRepository, firestoreAuditRepository } from "./audit-repository";
import { recordAuditEvent } from "./record-audit-event";

export function createAuditLogHandler(db: () => Firestore) {
  let repo: AuditRepository | undefined;
  return pubSubHandler(AuditEventMessage, (message, log) => {
    repo ??= firestoreAuditRepository(db());
    return recordAuditEvent(repo, message, log);
  });
}
