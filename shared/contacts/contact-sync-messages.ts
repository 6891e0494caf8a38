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
     * contacts.
     */
    reason: z.enum(["api", "tick", "connect", "user"]),
  }),
);

export const ContactSyncTick = defineMessage(
  CONTACT_SYNC_TICKS_TOPIC,
  z.object({ function: z.string(), schedule: z.string(), timeZone: z.string() }),
);

export const syncOrderingKey = (user: { orgId: string; userId: string }): string =>
  `${user.orgId}/${user.userId}`;

export function requestContactSync(
  publisher: EventPublisher,
  user: { orgId: string; userId: string },
  reason: "api" | "tick" | "connect" | "user",
): Promise<string> {
  return publisher.publish(
    ContactSyncRequested,
    { orgId: user.orgId, userId: user.userId, reason },
    { orderingKey: syncOrderingKey(user) },
  );
}
