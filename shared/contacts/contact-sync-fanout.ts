// The contact-sync-fanout function: on each scheduler tick, publishes one contact-sync request per
// user with a connected contacts grant. It never syncs inline; one tick fans out once, however often
// the scheduler or Pub/Sub delivers it: the slot is recorded done only after the last page is
// published, and each page is checkpointed, so a redelivery after a crash finishes from where it stopped.
import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { pubSubHandler } from "../platform/cloudevent";
import { parseDocuments } from "../platform/firestore";
import { runSlotOnce } from "../platform/idempotency";
import type { Logger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import { ContactSyncTick, requestContactSync } from "./contact-sync-messages";

export const FANOUT_PERIOD_MS = 15 * 60_000;
const PAGE = 500;

export interface FanoutOptions {
  pageSize: number;
  /** How long a crashed run keeps the slot before a redelivery takes over (renewed while running). */
  tickLeaseMs: number;
}
export const FANOUT_DEFAULTS: FanoutOptions = { pageSize: PAGE, tickLeaseMs: 60_000 };
/** What the fan-out reads of a grant (identity's); a malformed one is skipped with a warning. */
const ContactsGrant = z.object({ orgId: z.string(), userId: z.string(), status: z.string() });

export async function fanOutContactSync(
  db: Firestore,
  publisher: EventPublisher,
  publishTime: Date,
  log: Logger,
  options: FanoutOptions = FANOUT_DEFAULTS,
): Promise<{ published: number; duplicate: boolean }> {
  const slot = new Date(
    Math.floor(publishTime.getTime() / FANOUT_PERIOD_MS) * FANOUT_PERIOD_MS,
  ).toISOString();
  const run = await runSlotOnce<number, { after: string; published: number }>(
    db,
    `contact-sync-fanout:${slot}`,
    { leaseMs: options.tickLeaseMs, owner: randomUUID() },
    async ({ resumeFrom, checkpoint, attempt }) => {
      if (resumeFrom) log.info("contacts.fanout_resumed", { slot, attempt, after: resumeFrom.after });
      let published = resumeFrom?.published ?? 0;
      let after = resumeFrom ? db.doc(resumeFrom.after) : undefined;
      for (;;) {
        let query = db
          .collectionGroup("grants")
          .where("integrations", "array-contains", "contacts")
          .select("orgId", "userId", "status")
          .orderBy("__name__")
          .limit(options.pageSize);
        if (after) query = query.startAfter(after);
        const snap = await query.get();
        const users = parseDocuments(ContactsGrant, snap.docs, log).filter(
          (g) => g.data.status === "connected",
        );
        await Promise.all(
          users.map(({ data: g }) =>
            requestContactSync(publisher, { orgId: g.orgId, userId: g.userId }, "tick"),
          ),
        );
        published += users.length;
        const last = snap.docs.at(-1);
        if (!last || snap.size < options.pageSize) break;
        after = last.ref;
        await checkpoint({ after: last.ref.path, published });
      }
      return published;
    },
  );
  if (!run.done) {
    log.info("contacts.fanout_duplicate_tick", { slot });
    return { published: 0, duplicate: true };
  }
  log.info("contacts.fanout_done", { slot, published: run.result, attempt: run.attempt });
  return { published: run.result, duplicate: false };
}

export function createContactSyncFanoutHandler(
  deps: () => { db: Firestore; publisher: EventPublisher; options?: FanoutOptions },
) {
  return pubSubHandler(ContactSyncTick, async (message, log) => {
    const { db, publisher, options } = deps();
    await fanOutContactSync(
      db,
      publisher,
      message.publishTime ? new Date(message.publishTime) : new Date(),
      log,
      options,
    );
  });
}
