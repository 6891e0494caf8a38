// The dead letters of a deployment (or of the local stack's emulator): list them, replay them to their
// source topic, or purge them. Each dead-letter topic `<topic>-dead-letter` has a pull subscription
// `<topic>-dead-letter-inspect` (Terraform and tools/stack/pubsub-wiring.ts create it); messages are
// pulled from it with the Pub/Sub client, so the same code works against a project and the emulator.
// The PubSub client passed in must name its project (the CLI always does).
import { type PubSub, v1 } from "@google-cloud/pubsub";
import { deadLetterTopic } from "../../functions/manifest";

/** The attributes Pub/Sub adds when it forwards a message to a dead-letter topic. */
const FORWARD_ATTRIBUTE = /^CloudPubSubDeadLetterSource/;
const DEAD_LETTER_SUFFIX = "-dead-letter";
const PREVIEW_CHARS = 120;

export interface DeadLetter {
  /** The topic the message was first published to. */
  topic: string;
  messageId: string;
  /** The message's own attributes (without the ones Pub/Sub adds when forwarding). */
  attributes: Record<string, string>;
  orderingKey: string;
  /** When the message was published to the dead-letter topic. */
  publishTime: string;
  /** What Pub/Sub recorded when forwarding: delivery count, source subscription, first publish time. */
  deliveryCount: number | undefined;
  sourceSubscription: string | undefined;
  sourcePublishTime: string | undefined;
  data: Buffer;
}

export const inspectSubscription = (topic: string) => `${deadLetterTopic(topic)}-inspect`;

/** A short, one-line, printable view of a message's data. */
export function preview(data: Buffer, max = PREVIEW_CHARS): string {
  const text = [...data.toString("utf8")].map((c) => (c < " " || c === "\u007f" ? " " : c)).join("");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

interface Pulled {
  ackId: string;
  letter: DeadLetter;
}

function toDeadLetter(topic: string, message: v1PulledMessage): DeadLetter {
  const all = message.attributes ?? {};
  const own = Object.fromEntries(Object.entries(all).filter(([k]) => !FORWARD_ATTRIBUTE.test(k)));
  const seconds = Number(message.publishTime?.seconds ?? 0);
  const nanos = message.publishTime?.nanos ?? 0;
  const count = all.CloudPubSubDeadLetterSourceDeliveryCount;
  return {
    topic,
    messageId: message.messageId ?? "",
    attributes: own,
    orderingKey: message.orderingKey ?? "",
    publishTime: new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString(),
    deliveryCount: count === undefined ? undefined : Number(count),
    sourceSubscription: all.CloudPubSubDeadLetterSourceSubscription,
    sourcePublishTime: all.CloudPubSubDeadLetterSourceTopicPublishTime,
    data: Buffer.from(message.data ?? ""),
  };
}

type v1PulledMessage = {
  attributes?: Record<string, string> | null;
  messageId?: string | null;
  orderingKey?: string | null;
  publishTime?: { seconds?: number | string | Long | null; nanos?: number | null } | null;
  data?: Uint8Array | string | null;
};
type Long = { toString(): string };

/** Pub/Sub's subscriber API for one PubSub client's project and endpoint (emulator or Google). */
function subscriberFor(pubsub: PubSub) {
  const { port, ...options } = pubsub.options;
  return new v1.SubscriberClient({
    ...options,
    ...(port === undefined ? {} : { port: Number(port) }),
  } as ConstructorParameters<typeof v1.SubscriberClient>[0]);
}

/** Pulls every message waiting on a topic's inspect subscription, holding them until acked or released. */
async function pullAll(pubsub: PubSub, subscriber: v1.SubscriberClient, topic: string, max: number) {
  const subscription = `projects/${pubsub.projectId}/subscriptions/${inspectSubscription(topic)}`;
  const pulled: Pulled[] = [];
  while (pulled.length < max) {
    const [response] = await subscriber.pull({
      subscription,
      maxMessages: Math.min(1000, max - pulled.length),
      returnImmediately: true,
    });
    const batch = response.receivedMessages ?? [];
    if (batch.length === 0) break;
    for (const received of batch)
      pulled.push({ ackId: received.ackId ?? "", letter: toDeadLetter(topic, received.message ?? {}) });
  }
  return { subscription, pulled };
}

async function settle(subscriber: v1.SubscriberClient, subscription: string, ackIds: string[], ack: boolean) {
  for (let i = 0; i < ackIds.length; i += 1000) {
    const chunk = ackIds.slice(i, i + 1000);
    if (ack) await subscriber.acknowledge({ subscription, ackIds: chunk });
    else await subscriber.modifyAckDeadline({ subscription, ackIds: chunk, ackDeadlineSeconds: 0 });
  }
}

/** The source topics that have a dead-letter topic. */
export async function deadLetteredTopics(pubsub: PubSub): Promise<string[]> {
  const [topics] = await pubsub.getTopics();
  return topics
    .map((t) => t.name.split("/").pop() ?? "")
    .filter((name) => name.endsWith(DEAD_LETTER_SUFFIX))
    .map((name) => name.slice(0, -DEAD_LETTER_SUFFIX.length))
    .sort();
}

/** The dead letters of a topic, left in place (released at once for the next reader). */
export async function listDeadLetters(pubsub: PubSub, topic: string, max = 1000): Promise<DeadLetter[]> {
  const subscriber = subscriberFor(pubsub);
  try {
    const { subscription, pulled } = await pullAll(pubsub, subscriber, topic, max);
    await settle(
      subscriber,
      subscription,
      pulled.map((p) => p.ackId),
      false,
    );
    return pulled.map((p) => p.letter);
  } finally {
    await subscriber.close();
  }
}

/**
 * Publishes each dead letter again to its source topic (its data, own attributes and ordering key) and
 * acknowledges it; returns how many were replayed. A message is acknowledged only after its publish.
 */
export async function replayDeadLetters(pubsub: PubSub, topic: string): Promise<number> {
  const subscriber = subscriberFor(pubsub);
  const source = pubsub.topic(topic, { messageOrdering: true });
  try {
    const { subscription, pulled } = await pullAll(pubsub, subscriber, topic, Number.POSITIVE_INFINITY);
    for (const { ackId, letter } of pulled) {
      await source.publishMessage({
        data: letter.data,
        attributes: letter.attributes,
        ...(letter.orderingKey ? { orderingKey: letter.orderingKey } : {}),
      });
      await settle(subscriber, subscription, [ackId], true);
    }
    return pulled.length;
  } finally {
    await source.flush();
    await subscriber.close();
  }
}

/** Acknowledges (drops) every dead letter of a topic; returns how many. */
export async function purgeDeadLetters(pubsub: PubSub, topic: string): Promise<number> {
  const subscriber = subscriberFor(pubsub);
  try {
    const { subscription, pulled } = await pullAll(pubsub, subscriber, topic, Number.POSITIVE_INFINITY);
    await settle(
      subscriber,
      subscription,
      pulled.map((p) => p.ackId),
      true,
    );
    return pulled.length;
  } finally {
    await subscriber.close();
  }
}

export function formatDeadLetter(letter: DeadLetter): string {
  const attributes = Object.entries(letter.attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const source = [
    letter.deliveryCount === undefined ? undefined : `${letter.deliveryCount} deliveries`,
    letter.sourceSubscription ? `on ${letter.sourceSubscription}` : undefined,
    letter.sourcePublishTime ? `first published ${letter.sourcePublishTime}` : undefined,
  ].filter(Boolean);
  return [
    `${letter.topic}  message ${letter.messageId}  dead-lettered ${letter.publishTime}${source.length ? ` (${source.join(", ")})` : ""}`,
    `  attributes: ${attributes || "(none)"}${letter.orderingKey ? `  ordering key: ${letter.orderingKey}` : ""}`,
    `  data: ${preview(letter.data)}`,
  ].join("\n");
}
