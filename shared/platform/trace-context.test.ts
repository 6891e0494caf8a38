// One trace from an HTTP request through Pub/Sub into the event function: what is published while a
// traced request or message is handled carries its traceparent (real Pub/Sub emulator), and the event
// function that receives it logs under that trace and passes it on.
import { PubSub } from "@google-cloud/pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useEmulators } from "../../tools/testing/emulator-env";
import { pubSubHandler } from "./cloudevent";
import { createLogger } from "./logger";
import { defineMessage } from "./messages";
import { pubsubPublisher } from "./pubsub";
import { traceAttributes, tracedHttp, withTraceContext } from "./trace-context";

const emulators = useEmulators("trace");
const Hop = defineMessage("trace-hops", z.object({ n: z.number() }));
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
let pubsub: PubSub;

beforeAll(async () => {
  pubsub = new PubSub({
    projectId: emulators.projectId,
    apiEndpoint: emulators.pubsubHost,
    emulatorMode: true,
  });
  const [topic] = await pubsub.topic(Hop.topic).get({ autoCreate: true });
  await topic.createSubscription("trace-hops-test");
});
afterAll(async () => {
  await pubsub?.close();
});

/** The attributes of what arrived on the test subscription (REST pull: returns at once). */
async function arrivedAttributes(): Promise<Array<Record<string, string>>> {
  const base = `http://${emulators.pubsubHost}/v1/projects/${emulators.projectId}/subscriptions/trace-hops-test`;
  const res = await fetch(`${base}:pull`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ maxMessages: 100, returnImmediately: true }),
  });
  const { receivedMessages = [] } = (await res.json()) as {
    receivedMessages?: Array<{ ackId: string; message: { attributes?: Record<string, string> } }>;
  };
  if (receivedMessages.length)
    await fetch(`${base}:acknowledge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ackIds: receivedMessages.map((m) => m.ackId) }),
    });
  return receivedMessages.map((m) => m.message.attributes ?? {});
}

describe("trace context across Pub/Sub", () => {
  it("publishes the traceparent of the request being handled, and none outside one", async () => {
    const publisher = pubsubPublisher(emulators.projectId);
    const handler = tracedHttp(async (_req: { headers: Record<string, string> }, _res: unknown) =>
      publisher.publish(Hop, { n: 1 }, { attributes: { kind: "request" } }),
    );
    await handler({ headers: { "x-cloud-trace-context": `${TRACE}/1;o=1` } }, {});
    await publisher.publish(Hop, { n: 2 });
    const attributes = await arrivedAttributes();
    expect(attributes).toContainEqual({ kind: "request", traceparent: `00-${TRACE}-0000000000000001-01` });
    expect(attributes.filter((a) => a.traceparent)).toHaveLength(1);
  });

  it("logs an event under its publisher's trace and passes the trace on to what it publishes", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ projectId: "sb", write: (l) => lines.push(JSON.parse(l)) });
    const publisher = pubsubPublisher(emulators.projectId);
    const attributes = traceAttributes({ traceId: TRACE, spanId: "00f067aa0ba902b7", sampled: true });
    const handler = pubSubHandler(
      Hop,
      async (message, eventLog) => {
        eventLog.info("hop.handled", { n: message.payload.n });
        await publisher.publish(Hop, { n: message.payload.n + 1 });
      },
      () => log,
    );
    await withTraceContext(undefined, () =>
      handler({
        id: "m-1",
        specversion: "1.0",
        type: "google.cloud.pubsub.topic.v1.messagePublished",
        source: "//pubsub.googleapis.com/projects/p/topics/trace-hops",
        data: { message: { data: Buffer.from('{"n":5}').toString("base64"), messageId: "m-1", attributes } },
      }),
    );
    expect(lines.find((l) => l.event === "hop.handled")).toMatchObject({
      "logging.googleapis.com/trace": `projects/sb/traces/${TRACE}`,
      "logging.googleapis.com/spanId": "00f067aa0ba902b7",
    });
    expect(await arrivedAttributes()).toEqual([{ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }]);
  });
});
