// The audit event: every security- or admin-relevant action publishes one to the audit-events topic.
import { z } from "zod";
import { defineMessage } from "../platform/messages";

export const AUDIT_TOPIC = "audit-events";

const Id = z.string().regex(/^[A-Za-z0-9_.:@-]{1,200}$/, "letters, digits and _ . : @ - only");

export const AuditEvent = z.object({
  /** Unique per action, chosen by the publisher, so a re-published event is still stored once. */
  id: Id,
  orgId: Id,
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "dotted lowercase, e.g. sso.login.succeeded"),
  outcome: z.enum(["success", "failure"]),
  actor: z.object({ type: z.enum(["user", "admin", "system", "google"]), id: Id }),
  target: z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(400) }).optional(),
  /** A stable reason code on failures (e.g. saml_signature_invalid). */
  reason: z.string().max(100).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
  ip: z.string().max(64).optional(),
  details: z
    .record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
    .optional(),
});

export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditEventMessage = defineMessage(AUDIT_TOPIC, AuditEvent);
