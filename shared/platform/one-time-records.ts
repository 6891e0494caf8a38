// Short-lived, single-use records (login codes, SAML relay states, OAuth states): the id is a random
// secret, the document key is its hash (a leaked database export reveals no usable id), and consuming
// deletes it in a transaction, so two concurrent uses cannot both succeed. `expireAt` drives a TTL policy.
// A malformed record fails the use with malformed_document (the transaction rolls back, nothing deleted).
import { createHash, randomBytes } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { parseDocument, StoredDate } from "./firestore";

const key = (id: string) => createHash("sha256").update(id).digest("hex");

export interface OneTimeRecords<T extends Record<string, unknown>> {
  create(data: T): Promise<string>;
  /** The record's data once; undefined when unknown, expired or already used. */
  consume(id: string): Promise<T | undefined>;
}

export function oneTimeRecords<T extends Record<string, unknown>>(
  db: Firestore,
  collection: string,
  schema: z.ZodType<T>,
  ttlMs: number,
  now: () => Date = () => new Date(),
): OneTimeRecords<T> {
  const Stored = z.object({ data: schema, expireAt: StoredDate });
  return {
    async create(data) {
      const id = randomBytes(32).toString("base64url");
      await db
        .collection(collection)
        .doc(key(id))
        .create({ data, expireAt: new Date(now().getTime() + ttlMs) });
      return id;
    },
    async consume(id) {
      if (typeof id !== "string" || id.length === 0 || id.length > 200) return undefined;
      const ref = db.collection(collection).doc(key(id));
      return db.runTransaction(async (tx) => {
        const record = parseDocument(Stored, await tx.get(ref));
        if (!record) return undefined;
        tx.delete(ref);
        return record.expireAt.getTime() > now().getTime() ? record.data : undefined;
      });
    },
  };
}
