// A transactional outbox: an event whose loss matters is written in the same Firestore transaction as
// the change it announces (so both commit or neither does), published right after the commit, and
// deleted once published. A crash or a failed publish between commit and publish leaves the entry, and
// a sweep relays it later. Relays are idempotent: the entry id is the event's own deterministic id, so a
// duplicate publish (a crash after publishing, before deleting) is dropped by consumers that dedupe on it.
import type { Firestore, Transaction } from "@google-cloud/firestore";
import { z } from "zod";
import { parseDocuments, StoredDate } from "./firestore";
import type { Logger } from "./logger";
import type { MessageType } from "./messages";
import type { EventPublisher } from "./pubsub";

export const OUTBOX_COLLECTION = "outbox";

const OutboxEntry = z.object({
  topic: z.string(),
  payload: z.unknown(),
  orderingKey: z.string().nullable(),
  createdAt: StoredDate,
});

export interface OutboxMessage<S extends z.ZodType> {
  /** Deterministic per event: the entry's id and what consumers dedupe on. */
  id: string;
  type: MessageType<S>;
  payload: z.infer<S>;
  orderingKey?: string;
}

const entryRef = (db: Firestore, id: string) => db.collection(OUTBOX_COLLECTION).doc(encodeURIComponent(id));

/** Records the event inside the caller's transaction (validated now: a bad event fails the change). */
export function addToOutbox<S extends z.ZodType>(
  db: Firestore,
  tx: Transaction,
  message: OutboxMessage<S>,
  now: Date,
): void {
  tx.set(entryRef(db, message.id), {
    topic: message.type.topic,
    payload: message.type.schema.parse(message.payload),
    orderingKey: message.orderingKey ?? null,
    createdAt: now,
  });
}

/** Publishes one committed entry and deletes it; a failure leaves it for relayOutbox. */
export async function relayOne<S extends z.ZodType>(
  db: Firestore,
  publisher: EventPublisher,
  message: OutboxMessage<S>,
): Promise<void> {
  await publisher.publish(
    message.type,
    message.payload,
    message.orderingKey ? { orderingKey: message.orderingKey } : {},
  );
  await entryRef(db, message.id).delete();
}

/**
 * Relays entries left behind (older than `olderThan`, so a change's own relay after commit goes first),
 * oldest first; `types` names the message type of each topic this relay may publish.
 */
export async function relayOutbox(
  db: Firestore,
  publisher: EventPublisher,
  types: Array<MessageType<z.ZodType>>,
  olderThan: Date,
  log: Logger,
  limit = 200,
): Promise<{ relayed: number; failed: number }> {
  const byTopic = new Map(types.map((t) => [t.topic, t]));
  if (byTopic.size === 0) return { relayed: 0, failed: 0 };
  // Only this relay's topics: another topic's backlog never stands in front of them.
  const snap = await db
    .collection(OUTBOX_COLLECTION)
    .where("topic", "in", [...byTopic.keys()].slice(0, 30))
    .where("createdAt", "<=", olderThan)
    .orderBy("createdAt")
    .limit(limit)
    .get();
  let relayed = 0;
  let failed = 0;
  for (const entry of parseDocuments(OutboxEntry, snap.docs, log)) {
    const { data } = entry;
    const type = byTopic.get(data.topic);
    if (!type) continue;
    const id = decodeURIComponent(entry.id);
    try {
      await relayOne(db, publisher, {
        id,
        type,
        payload: data.payload,
        ...(data.orderingKey ? { orderingKey: data.orderingKey } : {}),
      });
      relayed++;
    } catch (error) {
      failed++;
      log.warn("outbox.relay_failed", { id, topic: data.topic, error });
    }
  }
  return { relayed, failed };
}
