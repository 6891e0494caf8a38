// Typed Pub/Sub messages: a message type pairs a topic with the schema of its JSON payload, so the
// publisher and the consumer agree on one definition. (No client import here: consumers stay light.)
import type { z } from "zod";

export interface MessageType<Schema extends z.ZodType> {
  topic: string;
  schema: Schema;
}

export const defineMessage = <Schema extends z.ZodType>(
  topic: string,
  schema: Schema,
): MessageType<Schema> => ({
  topic,
  schema,
});
