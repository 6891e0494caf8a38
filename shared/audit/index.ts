// The audit capability's entry: how other capabilities record an audit event (published now, or written
// to the outbox with the change it records).
export { AuditEventMessage } from "./audit-event";
export { publishAuditEvent } from "./publish-audit-event";
