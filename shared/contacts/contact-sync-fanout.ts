// The contact-sync-fanout function: an adaptive schedule. Every CONTACT_SYNC_ACTIVE_MINUTES (5) it
// publishes a contact-sync request for each person active in the app within the active window (their
// syncSchedule record's `activeAt`); every CONTACT_SYNC_IDLE_MINUTES (60) it sweeps every connected
// contacts grant instead, which syncs everyone else. A person without Contacts connected who is active
// costs one skipped worker call. It never syncs inline; one tick fans out once, however often the
// scheduler or Pub/Sub delivers it: the slot is recorded done only after the last page is published, and
// each page is checkpointed, so a redelivery after a crash finishes from where it stopped.
import { randomUUID } from "node:crypto";
import type { DocumentSnapshot, Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { pubSubHandler } from "../platform/cloudevent";
import { parseDocuments } from "../platform/firestore";
import { runSlotOnce } from "../platform/idempotency";
import type { Logger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import { ContactSyncTick, requestContactSync } from "./contact-sync-messages";
import { SYNC_SCHEDULE_COLLECTION } from "./contact-sync-schedule";

const PAGE = 500;

export interface FanoutOptions {
  pageSize: number;
  /** How long a crashed run keeps the slot before a redelivery takes over (renewed while running). */
  tickLeaseMs: number;
  /** The active people's interval: one slot each (config CONTACT_SYNC_ACTIVE_MINUTES). */
  activeIntervalMs: number;
  /** Every connected person's interval, a multiple of the active one (config CONTACT_SYNC_IDLE_MINUTES). */
  idleIntervalMs: number;
  /** Activity within this long counts as active (config CONTACT_SYNC_ACTIVE_WINDOW_HOURS). */
  activeWindowMs: number;
}
export const FANOUT_DEFAULTS: FanoutOptions = {
  pageSize: PAGE,
  tickLeaseMs: 60_000,
  activeIntervalMs: 5 * 60_000,
  idleIntervalMs: 60 * 60_000,
  activeWindowMs: 24 * 3600_000,
};
/** What the fan-out reads of a grant (identity's); a malformed one is skipped with a warning. */
const ContactsGrant = z.object({ orgId: z.string(), userId: z.string(), status: z.string() });
/** What it reads of a schedule record (contact-sync-schedule.ts). */
const ActivePerson = z.object({ orgId: z.string(), userId: z.string() });

/** Which people a slot syncs: all connected ones on the idle interval's boundaries, else the active. */
export const slotKind = (slotStart: Date, options: FanoutOptions): "everyone" | "active" =>
  slotStart.getTime() % options.idleIntervalMs === 0 ? "everyone" : "active";

export async function fanOutContactSync(
  db: Firestore,
  publisher: EventPublisher,
  publishTime: Date,
  log: Logger,
  options: FanoutOptions = FANOUT_DEFAULTS,
): Promise<{ published: number; duplicate: boolean; kind: "everyone" | "active" }> {
  const period = options.activeIntervalMs;
  const slotStart = new Date(Math.floor(publishTime.getTime() / period) * period);
  const slot = slotStart.toISOString();
  const kind = slotKind(slotStart, options);
  const run = await runSlotOnce<number, { after: string; published: number }>(
    db,
    `contact-sync-fanout:${slot}`,
    { leaseMs: options.tickLeaseMs, owner: randomUUID() },
    async ({ resumeFrom, checkpoint, attempt }) => {
      if (resumeFrom) log.info("contacts.fanout_resumed", { slot, attempt, after: resumeFrom.after });
      let published = resumeFrom?.published ?? 0;
      // Where the last finished page ended (a redelivery re-reads it; gone meanwhile: start over).
      let after: DocumentSnapshot | undefined;
      if (resumeFrom) {
        const snap = await db.doc(resumeFrom.after).get();
        if (snap.exists) after = snap;
      }
      const activeSince = new Date(slotStart.getTime() - options.activeWindowMs);
      for (;;) {
        let query =
          kind === "everyone"
            ? db
                .collectionGroup("grants")
                .where("integrations", "array-contains", "contacts")
                .select("orgId", "userId", "status")
                .orderBy("__name__")
            : db
                .collectionGroup(SYNC_SCHEDULE_COLLECTION)
                .where("activeAt", ">=", activeSince)
                .select("orgId", "userId", "activeAt")
                .orderBy("activeAt")
                .orderBy("__name__");
        query = query.limit(options.pageSize);
        if (after) query = query.startAfter(after);
        const snap = await query.get();
        const users =
          kind === "everyone"
            ? parseDocuments(ContactsGrant, snap.docs, log)
                .filter((g) => g.data.status === "connected")
                .map((g) => g.data)
            : parseDocuments(ActivePerson, snap.docs, log).map((p) => p.data);
        await Promise.all(
          users.map((u) => requestContactSync(publisher, { orgId: u.orgId, userId: u.userId }, "tick")),
        );
        published += users.length;
        const last = snap.docs.at(-1);
        if (!last || snap.size < options.pageSize) break;
        after = last;
        await checkpoint({ after: last.ref.path, published });
      }
      return published;
    },
  );
  if (!run.done) {
    log.info("contacts.fanout_duplicate_tick", { slot });
    return { published: 0, duplicate: true, kind };
  }
  log.info("contacts.fanout_done", { slot, kind, published: run.result, attempt: run.attempt });
  return { published: run.result, duplicate: false, kind };
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
