// The contact-sync-fanout function: on each scheduler tick, publishes one contact-sync request per
// user with a connected contacts grant. It never syncs inline; one tick fans out once, however often
// the scheduler or Pub/Sub delivers it.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { pubSubHandler } from "../platform/cloudevent";
import { parseDocuments } from "../platform/firestore";
import { claim } from "../platform/idempotency";
import type { Logger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import { ContactSyncTick, requestContactSync } from "./contact-sync-messages";

export const FANOUT_PERIOD_MS = 15 * 60_000;
const PAGE = 500;
/** What the fan-out reads of a grant (identity's); a malformed one is skipped with a warning. */
const ContactsGrant = z.object({ orgId: z.string(), userId: z.string(), status: z.string() });

export async function fanOutContactSync(
  db: Firestore,
  publisher: EventPublisher,
  publishTime: Date,
  log: Logger,
): Promise<{ published: number; duplicate: boolean }> {
  const slot = new Date(
    Math.floor(publishTime.getTime() / FANOUT_PERIOD_MS) * FANOUT_PERIOD_MS,
  ).toISOString();
  if (!(await claim(db, `contact-sync-fanout:${slot}`))) {
    log.info("contacts.fanout_duplicate_tick", { slot });
    return { published: 0, duplicate: true };
  }
  let published = 0;
  let last: FirebaseFirestore.QueryDocumentSnapshot | undefined;
  for (;;) {
    let query = db
      .collectionGroup("grants")
      .where("integrations", "array-contains", "contacts")
      .select("orgId", "userId", "status")
      .orderBy("__name__")
      .limit(PAGE);
    if (last) query = query.startAfter(last);
    const snap = await query.get();
    const users = parseDocuments(ContactsGrant, snap.docs, log).filter((g) => g.data.status === "connected");
    await Promise.all(
      users.map(({ data: g }) => requestContactSync(publisher, { orgId: g.orgId, userId: g.userId }, "tick")),
    );
    published += users.length;
    last = snap.docs.at(-1);
    if (snap.size < PAGE) break;
  }
  log.info("contacts.fanout_done", { slot, published });
  return { published, duplicate: false };
}

export function createContactSyncFanoutHandler(deps: () => { db: Firestore; publisher: EventPublisher }) {
  return pubSubHandler(ContactSyncTick, async (message, log) => {
    const { db, publisher } = deps();
    await fanOutContactSync(
      db,
      publisher,
      message.publishTime ? new Date(message.publishTime) : new Date(),
      log,
    );
  });
}
