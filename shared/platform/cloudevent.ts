// Decoding of Pub/Sub CloudEvents (google.cloud.pubsub.topic.v1.messagePublished, as Eventarc delivers
// them, and as the Functions Framework converts a plain push) and the policy every event function follows:
// a malformed message is logged and acknowledged (it would never succeed); a transient failure is thrown
// so Pub/Sub redelivers; a permanent failure is logged and acknowledged; so is a defect in our own code
// (a TypeError...: redelivering replays the bug until the message is dead-lettered), with its stack.
import type { CloudEvent } from "@google-cloud/functions-framework";
import { z } from "zod";
import { deliveryFailureRecorder } from "./delivery-failures";
import { AppError, isAppError } from "./errors";
import { isProgrammingError } from "./failure-kinds";
import { type Logger, logger as rootLogger } from "./logger";
import type { MessageType } from "./messages";
import { traceFromAttributes, withTraceContext } from "./trace-context";

const PubSubEnvelope = z.object({
  message: z.object({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().optional(),
});

export interface DecodedMessage<T> {
  /** The Pub/Sub message id: the same on every redelivery of one publish. */
  messageId: string;
  publishTime: string | undefined;
  attributes: Record<string, string>;
  payload: T;
}

export function decodePubSubEvent<Schema extends z.ZodType>(
  event: Pick<CloudEvent<unknown>, "id" | "data">,
  type: MessageType<Schema>,
): DecodedMessage<z.infer<Schema>> {
  const envelope = PubSubEnvelope.safeParse(event.data);
  if (!envelope.success) throw new AppError("malformed_message", "Event is not a Pub/Sub message envelope");
  const { message } = envelope.data;
  if (!message.data) throw new AppError("malformed_message", "Pub/Sub message has no data");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(message.data, "base64").toString("utf8"));
  } catch {
    throw new AppError("malformed_message", "Pub/Sub message data is not base64-encoded JSON");
  }
  const parsed = type.schema.safeParse(json);
  if (!parsed.success) {
    const summary = parsed.error.issues.map((i) => `${i.path.join(".") || "data"}: ${i.message}`).join("; ");
    throw new AppError("malformed_message", `Message on ${type.topic} does not match its schema: ${summary}`);
  }
  return {
    messageId: message.messageId ?? event.id,
    publishTime: message.publishTime,
    attributes: message.attributes ?? {},
    payload: parsed.data,
  };
}

const orgIdOf = (payload: unknown): string | undefined => {
  const orgId = (payload as { orgId?: unknown } | null)?.orgId;
  return typeof orgId === "string" ? orgId : undefined;
};

/** Wraps a message handler in the ack/retry policy; the result is what an event function's entry registers. */
export function pubSubHandler<Schema extends z.ZodType>(
  type: MessageType<Schema>,
  handle: (message: DecodedMessage<z.infer<Schema>>, log: Logger) => Promise<void>,
  log: () => Logger = rootLogger,
) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    let eventLog = log().child({ eventId: event.id, topic: type.topic });
    let message: DecodedMessage<z.infer<Schema>>;
    try {
      message = decodePubSubEvent(event, type);
    } catch (error) {
      eventLog.error("event.malformed", { error, reason: (error as Error).message });
      return; // acknowledged: redelivery cannot fix it
    }
    // The publisher's trace (attribute traceparent): this event's log lines and what it publishes join it.
    const trace = traceFromAttributes(message.attributes);
    if (trace) eventLog = eventLog.withTrace(trace);
    try {
      await withTraceContext(trace, () => handle(message, eventLog));
    } catch (error) {
      if (isAppError(error) && !error.retryable) {
        eventLog.error("event.failed_permanently", { code: error.code, reason: error.message });
        return;
      }
      if (isProgrammingError(error)) {
        eventLog.error("event.failed_bug", { error });
        return;
      }
      eventLog.warn("event.failed_will_retry", { error });
      await deliveryFailureRecorder()
        ?.record(
          {
            topic: type.topic,
            messageId: message.messageId,
            orgId: orgIdOf(message.payload),
            reason: isAppError(error) ? error.code : (error as Error)?.name || "Error",
          },
          new Date(),
        )
        .catch((recordError: unknown) =>
          eventLog.warn("event.failure_not_recorded", { error: String(recordError) }),
        );
      throw error;
    }
  };
}
