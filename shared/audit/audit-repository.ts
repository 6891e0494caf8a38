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

export interface AuditPage {
  events: AuditEvent[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextPageToken?: string;
}

export interface AuditRepository {
  /** Returns false when the event was already stored. */
  store(event: AuditEvent): Promise<boolean>;
  list(orgId: string, options?: { pageSize?: number; pageToken?: string }): Promise<AuditPage>;
}

const toStored = (event: AuditEvent): StoredAuditEvent => ({
  ...event,
  occurredAt: Timestamp.fromDate(new Date(event.occurredAt)),
  storedAt: Timestamp.now(),
});

const fromStored = ({ storedAt: _, occurredAt, ...rest }: StoredAuditEvent): AuditEvent =>
  ({ ...rest, occurredAt: occurredAt.toDate().toISOString() }) as AuditEvent;

const encodeToken = (occurredAt: Timestamp, id: string) =>
  Buffer.from(JSON.stringify([occurredAt.toMillis(), id])).toString("base64url");

function decodeToken(token: string): [Timestamp, string] {
  try {
    const [millis, id] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof millis === "number" && typeof id === "string") return [Timestamp.fromMillis(millis), id];
  } catch {
    // fall through
  }
  throw new AppError("invalid_request", "pageToken is not a token this API issued");
}

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
    async list(orgId, { pageSize = 50, pageToken } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) {
        throw new AppError("invalid_request", "pageSize must be an integer from 1 to 200");
      }
      // Newest first; the id breaks ties between events of the same millisecond.
      let query = collection(orgId)
        .orderBy("occurredAt", "desc")
        .orderBy("id", "desc")
        .limit(pageSize + 1);
      if (pageToken) query = query.startAfter(...decodeToken(pageToken));
      const docs = (await query.get()).docs.map((d) => d.data());
      const page = docs.slice(0, pageSize);
      const last = page.at(-1);
      const result: AuditPage = { events: page.map(fromStored) };
      if (docs.length > pageSize && last) result.nextPageToken = encodeToken(last.occurredAt, last.id);
      return result;
    },
  };
}
