// The audit capability's entry: how other capabilities record an audit event.
export { publishAuditEvent } from "./publish-audit-event";
