// The Pub/Sub wiring the local stack (and Terraform, in production) gives every event function:
// retried push delivery, then the dead-letter topic after maxDeliveryAttempts.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { loadManifest, type Manifest } from "../../functions/manifest";
import { useEmulators } from "../testing/emulator-env";
import { pubsubClient, wirePubSub } from "./pubsub-wiring";

const emulators = useEmulators("wiring");
let attempts = 0;
const failing = createServer((_, res) => {
  attempts++;
  res.statusCode = 503; // a transient failure: the function throws, Pub/Sub redelivers
  res.end();
});
afterAll(() => new Promise<void>((resolve) => failing.close(() => resolve())));

describe("Pub/Sub wiring of event functions", () => {
  it("redelivers a failing message and dead-letters it after maxDeliveryAttempts", async () => {
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    const auditLog = loadManifest().functions.find((f) => f.name === "audit-log")!;
    const manifest: Manifest = { functions: [{ ...auditLog, topic: "work", maxDeliveryAttempts: 5 }] };
    await wirePubSub(manifest, {
      projectId: emulators.projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: () => url,
    });
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic("work").publishMessage({ json: { n: 1 } });
    await pubsub.close();
    const pull = `http://${emulators.pubsubHost}/v1/projects/${emulators.projectId}/subscriptions/work-dead-letter-inspect:pull`;
    let dead: Array<{ message: { data: string; attributes: Record<string, string> } }> = [];
    const deadline = Date.now() + 45_000;
    while (dead.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await fetch(pull, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ maxMessages: 10, returnImmediately: true }),
      });
      dead = ((await res.json()) as { receivedMessages?: typeof dead }).receivedMessages ?? [];
    }
    expect(attempts).toBe(5);
    expect(JSON.parse(Buffer.from(dead[0]!.message.data, "base64").toString())).toEqual({ n: 1 });
    expect(dead[0]!.message.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe("5");
  }, 60_000);
});
