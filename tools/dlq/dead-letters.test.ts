// `npm run dlq`: lists, replays and purges the dead letters of the local stack's emulator through the
// Pub/Sub client, as it would those of a project. The dead letters here are real ones: a message failed
// maxDeliveryAttempts deliveries through the local wiring.
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest } from "../../functions/manifest";
import { type PubSubWiring, pubsubClient, wirePubSub } from "../stack/pubsub-wiring";
import { useEmulators } from "../testing/emulator-env";
import { eventually } from "../testing/eventually";
import { createTopics } from "../testing/function-harness";
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from "./dead-letters";

const emulators = useEmulators("dlq");
const auditLog = loadManifest().functions.find((f) => f.name === "audit-log")!;
const failing = createServer((_, res) => {
  res.statusCode = 503;
  res.end();
});
let wiring: PubSubWiring;
const pubsub = () => pubsubClient(emulators.projectId, emulators.pubsubHost);

beforeAll(async () => {
  await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  wiring = await wirePubSub(
    { functions: [{ ...auditLog, topic: "jobs", maxDeliveryAttempts: 5 }] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => url },
  );
  const client = pubsub();
  await client.topic("jobs").publishMessage({ json: { n: 1 }, attributes: { origin: "test" } });
  await eventually(
    async () => ((await listDeadLetters(client, "jobs")).length > 0 ? true : undefined),
    45_000,
  );
  // From here on nothing consumes `jobs` but a pull subscription `jobs-test`, to see replays arrive.
  await client.subscription("audit-log-push").delete();
  await createTopics(emulators, ["jobs"]);
  await client.close();
}, 90_000);
afterAll(async () => {
  await wiring?.close();
  await new Promise<void>((resolve) => failing.close(() => resolve()));
});

async function pullSource(): Promise<Array<{ data: unknown; attributes: Record<string, string> }>> {
  const base = `http://${emulators.pubsubHost}/v1/projects/${emulators.projectId}/subscriptions/jobs-test`;
  const res = await fetch(`${base}:pull`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ maxMessages: 100, returnImmediately: true }),
  });
  const { receivedMessages = [] } = (await res.json()) as {
    receivedMessages?: Array<{ message: { data: string; attributes?: Record<string, string> } }>;
  };
  return receivedMessages.map((m) => ({
    data: JSON.parse(Buffer.from(m.message.data, "base64").toString()),
    attributes: m.message.attributes ?? {},
  }));
}

describe("npm run dlq", () => {
  it("lists a topic's dead letters with their attributes and leaves them in place", async () => {
    const client = pubsub();
    const first = await listDeadLetters(client, "jobs");
    const again = await listDeadLetters(client, "jobs");
    await client.close();
    expect(first).toHaveLength(1);
    expect(again.map((l) => l.messageId)).toEqual(first.map((l) => l.messageId));
    expect(first[0]).toMatchObject({
      topic: "jobs",
      attributes: { origin: "test" },
      deliveryCount: 5,
      sourceSubscription: "audit-log-push",
    });
    expect(JSON.parse(first[0]!.data.toString())).toEqual({ n: 1 });
    expect(first[0]!.publishTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("prints them from the command line (topic, message id, attributes, publish time, data)", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "tools/dlq/main.ts", "list"],
      {
        env: {
          ...process.env,
          PUBSUB_EMULATOR_HOST: emulators.pubsubHost,
          GOOGLE_CLOUD_PROJECT: emulators.projectId,
        },
      },
    );
    const [letter] = await listDeadLetters(pubsub(), "jobs");
    expect(stdout).toContain(`jobs  message ${letter!.messageId}  dead-lettered ${letter!.publishTime}`);
    expect(stdout).toContain("5 deliveries, on audit-log-push");
    expect(stdout).toContain("attributes: origin=test");
    expect(stdout).toContain('data: {"n":1}');
    expect(stdout).toContain("1 dead letter in 1 topic");
  }, 30_000);

  it("replays dead letters to their source topic with their own attributes, then acknowledges them", async () => {
    const client = pubsub();
    expect(await replayDeadLetters(client, "jobs")).toBe(1);
    expect(await listDeadLetters(client, "jobs")).toEqual([]);
    await client.close();
    const replayed = await eventually(async () => {
      const got = await pullSource();
      return got.length > 0 ? got : undefined;
    });
    expect(replayed).toEqual([{ data: { n: 1 }, attributes: { origin: "test" } }]);
  });

  it("purges a topic's dead letters", async () => {
    const client = pubsub();
    for (const n of [2, 3]) await client.topic("jobs-dead-letter").publishMessage({ json: { n } });
    expect(await purgeDeadLetters(client, "jobs")).toBe(2);
    expect(await listDeadLetters(client, "jobs")).toEqual([]);
    await client.close();
  });
});
