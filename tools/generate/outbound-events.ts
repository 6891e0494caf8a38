// The outbound contract: the message type of every topic Switchboard publishes for the phone system (a
// topic some function publishes and no function consumes), and its versioned JSON Schema in docs/events/,
// generated from the zod schema the publisher validates with (npm run generate).
import { z } from "zod";
import { allTopics, type Manifest } from "../../functions/manifest";
import { UserProvisioningEvent } from "../../shared/directory/provisioning-events";
import { GrantStatusChangedMessage } from "../../shared/identity/grant-status-changed";
import type { MessageType } from "../../shared/platform/messages";
import { PresenceChangedMessage } from "../../shared/presence/presence-messages";

export interface OutboundEvent {
  message: MessageType<z.ZodType>;
  /** The major version: bump it (and publish both for a while) when a change would break a consumer. */
  version: number;
  description: string;
}

export const OUTBOUND_EVENTS: OutboundEvent[] = [
  {
    message: PresenceChangedMessage,
    version: 1,
    description:
      "A user's visible presence changed (meetings, out of office, focus time, calls). `id` is deterministic per change and `version` grows per user: drop duplicates and anything older than what you have.",
  },
  {
    message: UserProvisioningEvent,
    version: 1,
    description:
      "An account was created, linked, updated, restored, lost its licence, entered its grace period or was deprovisioned by directory provisioning. Ordered per account (ordering key org/account).",
  },
  {
    message: GrantStatusChangedMessage,
    version: 1,
    description:
      "A user's Google grant stopped (needs_reauth, partial) or started again being usable for some integrations. `id` is deterministic per transition.",
  },
];

/** Topics published and consumed by no function: what Terraform subscribes the phone system to. */
export function outboundTopics(manifest: Manifest): string[] {
  const consumed = new Set(manifest.functions.flatMap((f) => (f.topic ? [f.topic] : [])));
  return allTopics(manifest).filter((t) => !consumed.has(t));
}

export const schemaPath = (event: OutboundEvent) =>
  `docs/events/${event.message.topic}.v${event.version}.schema.json`;

export function eventSchema(event: OutboundEvent): string {
  const { $schema, ...schema } = z.toJSONSchema(event.message.schema, { io: "output" }) as Record<
    string,
    unknown
  >;
  return `${JSON.stringify(
    {
      $schema,
      $id: `urn:switchboard:event:${event.message.topic}:v${event.version}`,
      title: `${event.message.topic} v${event.version}`,
      description: `${event.description} Delivered as the data of a Pub/Sub message on topic ${event.message.topic} (JSON, UTF-8).`,
      ...schema,
    },
    null,
    2,
  )}\n`;
}
