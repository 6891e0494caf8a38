// The Pub/Sub wiring the local stack (and Terraform, in production) gives every event function: retried
// push delivery with backoff, then the dead-letter topic after maxDeliveryAttempts, on ordered
// subscriptions too, where the exhausted message no longer blocks its ordering key.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { loadManifest, type Manifest } from "../../functions/manifest";
import { useEmulators } from "../testing/emulator-env";
import { eventually } from "../testing/eventually";
import { backoffAfter } from "./delivery-bridge";
import { type PubSubWiring, pubsubClient, wirePubSub } from "./pubsub-wiring";

const emulators = useEmulators("wiring");
const auditLog = loadManifest().functions.find((f) => f.name === "audit-log")!;
const contactSync = loadManifest().functions.find((f) => f.name === "contact-sync")!;

interface Delivery {
  data: { n?: unknown };
  deliveryAttempt: number | undefined;
  at: number;
}

/** A push endpoint that answers 503 (a transient failure: the function throws) to what `fails` picks. */
async function endpoint(fails: (data: Delivery["data"]) => boolean) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const push = JSON.parse(body) as { message: { data: string }; deliveryAttempt?: number };
      const data = JSON.parse(Buffer.from(push.message.data, "base64").toString());
      deliveries.push({ data, deliveryAttempt: push.deliveryAttempt, at: Date.now() });
      res.statusCode = fails(data) ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface DeadLetter {
  data: unknown;
  attributes: Record<string, string>;
}

/** Pulls (and acknowledges) the dead letters of a topic through its `-inspect` subscription. */
async function pullDeadLetters(topic: string): Promise<DeadLetter[]> {
  const base = `http://${emulators.pubsubHost}/v1/projects/${emulators.projectId}/subscriptions/${topic}-dead-letter-inspect`;
  const res = await fetch(`${base}:pull`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ maxMessages: 10, returnImmediately: true }),
  });
  const { receivedMessages = [] } = (await res.json()) as {
    receivedMessages?: Array<{
      ackId: string;
      message: { data: string; attributes: Record<string, string> };
    }>;
  };
  if (receivedMessages.length > 0)
    await fetch(`${base}:acknowledge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ackIds: receivedMessages.map((m) => m.ackId) }),
    });
  return receivedMessages.map((m) => ({
    data: JSON.parse(Buffer.from(m.message.data, "base64").toString()),
    attributes: m.message.attributes,
  }));
}

const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const o of open) await o.close();
});

describe("Pub/Sub wiring of event functions", () => {
  it("redelivers a failing message and dead-letters it after maxDeliveryAttempts", async () => {
    const failing = await endpoint(() => true);
    open.push(failing);
    const manifest: Manifest = { functions: [{ ...auditLog, topic: "work", maxDeliveryAttempts: 5 }] };
    const wiring: PubSubWiring = await wirePubSub(manifest, {
      projectId: emulators.projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: () => failing.url,
    });
    open.push(wiring);
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic("work").publishMessage({ json: { n: 1 } });
    await pubsub.close();
    const [dead] = await eventually(async () => {
      const letters = await pullDeadLetters("work");
      return letters.length > 0 ? letters : undefined;
    }, 45_000);
    expect(failing.deliveries.map((d) => d.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
    expect(dead!.data).toEqual({ n: 1 });
    expect(dead!.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe("5");
  }, 60_000);

  // Google's "Dead-letter topics" and "Order messages" pages (docs/local-stack.md): after
  // maxDeliveryAttempts the message is forwarded to the dead-letter topic, with its attributes, and
  // acknowledged; later messages with its ordering key are then delivered.
  it("dead-letters an exhausted ordered message with its attributes and then delivers the next message with its ordering key", async () => {
    const fn = await endpoint((data) => data.n === "poison");
    open.push(fn);
    const backoff = { minimumMs: 300, maximumMs: 1_000 };
    const manifest: Manifest = {
      functions: [{ ...contactSync, topic: "ordered-work", maxDeliveryAttempts: 5 }],
    };
    const wiring = await wirePubSub(manifest, {
      projectId: emulators.projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: () => fn.url,
      backoff,
    });
    open.push(wiring);
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    const topic = pubsub.topic("ordered-work", { messageOrdering: true });
    await topic.publishMessage({
      json: { n: "poison" },
      orderingKey: "org/u1",
      attributes: { kind: "test" },
    });
    await topic.publishMessage({ json: { n: "after" }, orderingKey: "org/u1" });
    await pubsub.close();

    await eventually(
      async () => (fn.deliveries.some((d) => d.data.n === "after") ? true : undefined),
      45_000,
    );
    const poison = fn.deliveries.filter((d) => d.data.n === "poison");
    expect(poison.map((d) => d.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
    // The wait before each redelivery is at least the backoff after that many failures.
    for (let i = 1; i < poison.length; i++)
      expect(poison[i]!.at - poison[i - 1]!.at).toBeGreaterThanOrEqual(backoffAfter(i, backoff));
    // In order: nothing of the key got past the poison message until it was dead-lettered.
    expect(fn.deliveries.map((d) => d.data.n)).toEqual([...Array(5).fill("poison"), "after"]);
    const dead = await eventually(async () => {
      const letters = await pullDeadLetters("ordered-work");
      return letters.length > 0 ? letters : undefined;
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.data).toEqual({ n: "poison" });
    expect(dead[0]!.attributes).toMatchObject({
      kind: "test",
      CloudPubSubDeadLetterSourceDeliveryCount: "5",
      CloudPubSubDeadLetterSourceSubscription: "contact-sync-push",
      CloudPubSubDeadLetterSourceSubscriptionProject: emulators.projectId,
    });
    expect(dead[0]!.attributes.CloudPubSubDeadLetterSourceTopicPublishTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  }, 60_000);

  it("backs off exponentially between the minimum and the maximum", () => {
    const backoff = { minimumMs: 10_000, maximumMs: 600_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffAfter(n, backoff) / 1000)).toEqual([
      10, 20, 40, 80, 160, 320, 600, 600,
    ]);
  });
});
