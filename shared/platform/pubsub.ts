// The publisher port and its real Pub/Sub adapter.
import type { PubSub, Topic } from "@google-cloud/pubsub";
import type { z } from "zod";
import type { MessageType } from "./messages";
import { currentTrace, traceAttributes } from "./trace-context";

export interface PublishOptions {
  /** Messages with one key are delivered in order on a subscription with message ordering. */
  orderingKey?: string;
  attributes?: Record<string, string>;
}

export interface EventPublisher {
  publish<Schema extends z.ZodType>(
    type: MessageType<Schema>,
    payload: z.infer<Schema>,
    options?: PublishOptions,
  ): Promise<string>;
}

/** The real adapter. The client is created on first publish, never at import. */
export function pubsubPublisher(
  projectId?: string,
  topicNameFor: (topic: string) => string = (t) => t,
): EventPublisher {
  let client: Promise<PubSub> | undefined;
  const topics = new Map<string, Topic>();
  const topicFor = async (name: string, ordered: boolean) => {
    const key = `${name}|${ordered}`;
    let topic = topics.get(key);
    if (!topic) {
      client ??= import("@google-cloud/pubsub").then(
        ({ PubSub }) => new PubSub(projectId ? { projectId } : {}),
      );
      topic = (await client).topic(topicNameFor(name), ordered ? { messageOrdering: true } : {});
      topics.set(key, topic);
    }
    return topic;
  };
  return {
    async publish(type, payload, options = {}) {
      // Validate before sending: a bad message is a bug here, not a poison message for the consumer.
      const data = Buffer.from(JSON.stringify(type.schema.parse(payload)));
      const topic = await topicFor(type.topic, options.orderingKey !== undefined);
      const message: { data: Buffer; attributes?: Record<string, string>; orderingKey?: string } = { data };
      // The trace of the request or message being handled travels with what it publishes.
      const attributes = { ...traceAttributes(currentTrace()), ...options.attributes };
      if (Object.keys(attributes).length) message.attributes = attributes;
      if (options.orderingKey !== undefined) message.orderingKey = options.orderingKey;
      try {
        return await topic.publishMessage(message);
      } catch (error) {
        // An ordering key is paused after a failure until resumed; resume so the caller's retry can go out.
        if (options.orderingKey !== undefined) topic.resumePublishing(options.orderingKey);
        throw error;
      }
    },
  };
}
