// The contact-sync messages: a request to sync one user (ordering key = the user, so one user's People
// writes are sequential, as Google asks) and the scheduler's tick for the fan-out.
import { z } from "zod";
import { defineMessage } from "../platform/messages";
import type { EventPublisher } from "../platform/pubsub";

export const CONTACT_SYNC_TOPIC = "contact-sync";
export const CONTACT_SYNC_TICKS_TOPIC = "contact-sync-ticks";

export const ContactSyncRequested = defineMessage(
  CONTACT_SYNC_TOPIC,
  z.object({
    orgId: z.string().min(1),
    userId: z.string().min(1),
    /**
     * api: a change through the API (push it); tick: the schedule; connect: the user just connected
     * Contacts; user: the user asked for a sync (POST /v1/contacts/sync). All but api also refresh company
     * contacts. region: the org's phone region changed (stored numbers are re-read in it, connected or not).
     */
    reason: z.enum(["api", "tick", "connect", "user", "region"]),
  }),
);

export const ContactSyncTick = defineMessage(
  CONTACT_SYNC_TICKS_TOPIC,
  z.object({ function: z.string(), schedule: z.string(), timeZone: z.string() }),
);

export type ContactSyncReason = z.infer<typeof ContactSyncRequested.schema>["reason"];

export const syncOrderingKey = (user: { orgId: string; userId: string }): string =>
  `${user.orgId}/${user.userId}`;

export function requestContactSync(
  publisher: EventPublisher,
  user: { orgId: string; userId: string },
  reason: ContactSyncReason,
): Promise<string> {
  return publisher.publish(
    ContactSyncRequested,
    { orgId: user.orgId, userId: user.userId, reason },
    { orderingKey: syncOrderingKey(user) },
  );
}

/**
 * After the org's region changed: one request per account, so each user's stored numbers are re-read in
 * the new region by the contact-sync worker (shared/contacts/renormalise.ts). A user this misses (a
 * publish that failed) is healed by their next sync of any kind, which checks the region first.
 */
export async function requestOrgRenormalise(
  publisher: EventPublisher,
  users: { listAll(orgId: string): Promise<Array<{ id: string }>> },
  orgId: string,
): Promise<number> {
  const accounts = await users.listAll(orgId);
  await Promise.all(accounts.map((u) => requestContactSync(publisher, { orgId, userId: u.id }, "region")));
  return accounts.length;
}
