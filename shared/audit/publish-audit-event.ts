// What other capabilities call to audit an action. Audit ids are random unless the caller has a natural
// one (for example the SAML assertion id), which then also dedupes a retried publish.
import { randomUUID } from "node:crypto";
import type { EventPublisher } from "../platform/pubsub";
import { type AuditEvent, AuditEventMessage } from "./audit-event";

export type AuditInput = Omit<AuditEvent, "id" | "occurredAt"> &
  Partial<Pick<AuditEvent, "id" | "occurredAt">>;

export async function publishAuditEvent(publisher: EventPublisher, input: AuditInput): Promise<AuditEvent> {
  const event: AuditEvent = {
    ...input,
    id: input.id ?? randomUUID(),
    occurredAt: input.occurredAt ?? new Date().toISOString(),
  };
  // Unordered: the trail is read sorted by occurredAt, so delivery order does not matter.
  await publisher.publish(AuditEventMessage, event);
  return event;
}
