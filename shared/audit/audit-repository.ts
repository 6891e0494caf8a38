// Stored audit events, under orgs/{org}/audit/{id}. The event id is the document id, so storing is
// idempotent by construction: a redelivered or re-published event meets its own document and writes nothing.
import { type Firestore, Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "../platform/errors";
import { converter, isAlreadyExists } from "../platform/firestore";
import type { AuditEvent } from "./audit-event";

const StoredAuditEvent = z.object({
  id: z.string(),
  orgId: z.string(),
  action: z.string(),
  outcome: z.enum(["success", "failure"]),
  actor: z.object({ type: z.string(), id: z.string() }),
  target: z.object({ type: z.string(), id: z.string() }).optional(),
  reason: z.string().optional(),
  occurredAt: z.instanceof(Timestamp),
  storedAt: z.instanceof(Timestamp),
  ip: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
type StoredAuditEvent = z.infer<typeof StoredAuditEvent>;

/** Where a page of the newest-first listing ends: the last event's time (ms) and id. */
export const AuditPosition = z.object({ at: z.number().int(), id: z.string().min(1).max(500) });
export type AuditPosition = z.infer<typeof AuditPosition>;

export interface AuditPage {
  events: AuditEvent[];
  /** Where the next page starts; null on the last page. */
  next: AuditPosition | null;
}

export interface AuditRepository {
  /** Returns false when the event was already stored. */
  store(event: AuditEvent): Promise<boolean>;
  list(orgId: string, options?: { pageSize?: number; after?: AuditPosition }): Promise<AuditPage>;
}

const toStored = (event: AuditEvent): StoredAuditEvent => ({
  ...event,
  occurredAt: Timestamp.fromDate(new Date(event.occurredAt)),
  storedAt: Timestamp.now(),
});

const fromStored = ({ storedAt: _, occurredAt, ...rest }: StoredAuditEvent): AuditEvent =>
  ({ ...rest, occurredAt: occurredAt.toDate().toISOString() }) as AuditEvent;

export function firestoreAuditRepository(db: Firestore): AuditRepository {
  const collection = (orgId: string) =>
    db.collection(`orgs/${orgId}/audit`).withConverter(converter(StoredAuditEvent));
  return {
    async store(event) {
      try {
        await collection(event.orgId).doc(event.id).create(toStored(event));
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    },
    async list(orgId, { pageSize = 50, after } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) {
        throw new AppError("invalid_request", "pageSize must be an integer from 1 to 200");
      }
      // Newest first; the id breaks ties between events of the same millisecond.
      let query = collection(orgId)
        .orderBy("occurredAt", "desc")
        .orderBy("id", "desc")
        .limit(pageSize + 1);
      if (after) query = query.startAfter(Timestamp.fromMillis(after.at), after.id);
      const docs = (await query.get()).docs.map((d) => d.data());
      const page = docs.slice(0, pageSize);
      const last = page.at(-1);
      return {
        events: page.map(fromStored),
        next: docs.length > pageSize && last ? { at: last.occurredAt.toMillis(), id: last.id } : null,
      };
    },
  };
}
