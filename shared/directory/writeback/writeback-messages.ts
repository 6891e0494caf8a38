// The directory-writeback topic's messages. A message only names a user (or an org to sweep): the
// worker reads the newest record, so publishers never need to carry the values themselves.
import { z } from "zod";
import { defineMessage } from "../../platform/messages";
import type { EventPublisher } from "../../platform/pubsub";

export const DIRECTORY_WRITEBACK_TOPIC = "directory-writeback";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

export const DirectoryWriteBackMessage = defineMessage(
  DIRECTORY_WRITEBACK_TOPIC,
  z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("user"), orgId: Id, userId: Id }),
    z.object({ kind: z.literal("sweep"), orgId: Id }),
  ]),
);
export type DirectoryWriteBackPayload = z.infer<typeof DirectoryWriteBackMessage.schema>;

/** One user's writes stay in order; different users run in parallel. */
export const requestWriteBack = (publisher: EventPublisher, orgId: string, userId: string) =>
  publisher.publish(
    DirectoryWriteBackMessage,
    { kind: "user", orgId, userId },
    { orderingKey: `${orgId}/${userId}` },
  );

export const requestWriteBackSweep = (publisher: EventPublisher, orgId: string) =>
  publisher.publish(DirectoryWriteBackMessage, { kind: "sweep", orgId }, { orderingKey: `${orgId}/sweep` });
