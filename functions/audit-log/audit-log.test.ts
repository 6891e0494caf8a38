// The audit-log function end to end through the real push path: a message published to the Pub/Sub
// emulator is pushed over HTTP to the bundled function under the Functions Framework, which stores it in
// the Firestore emulator.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishAuditEvent } from "../../shared/audit/publish-audit-event";
import { pubsubPublisher } from "../../shared/platform/pubsub";
import { type RunningFunction, startFunction } from "../../tools/stack/function-process";
import { pubsubClient, pushEndpoint, wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually, jsonLogCollector } from "../../tools/testing/eventually";
import { loadManifest } from "../manifest";

const emulators = useEmulators("audit");
const spec = loadManifest().functions.find((f) => f.name === "audit-log")!;
const collector = jsonLogCollector();
const { logs } = collector;
let fn: RunningFunction;
let db: Firestore;

const logged = (event: string, auditId?: string) =>
  logs.filter((l) => l.event === event && (auditId === undefined || l.auditId === auditId)).length;

beforeAll(async () => {
  fn = await startFunction(spec, {
    env: { ...emulators.env, LOG_LEVEL: "DEBUG" },
    output: collector.output,
  });
  await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => fn.url },
  );
  // A second push subscription to the same function: every message is delivered twice, with one message id,
  // which is what an at-least-once redelivery looks like to the function.
  const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
  await pubsub.topic(spec.topic!).createSubscription("audit-log-redelivery", {
    pushConfig: { pushEndpoint: pushEndpoint(fn.url, emulators.projectId, spec.topic!) },
  });
  await pubsub.close();
  db = new Firestore({ projectId: emulators.projectId });
});

afterAll(async () => {
  await fn?.stop();
  await db?.terminate();
});

const input = (orgId: string) =>
  ({
    orgId,
    action: "sso.login.succeeded",
    outcome: "success",
    actor: { type: "user", id: "u-42" },
    target: { type: "session", id: "s-1" },
    details: { method: "saml" },
  }) as const;

describe("audit-log function", () => {
  it("stores a published audit event exactly once although it is delivered twice", async () => {
    const event = await publishAuditEvent(pubsubPublisher(emulators.projectId), input("org-a"));
    const doc = db.doc(`orgs/org-a/audit/${event.id}`);
    const stored = await eventually(async () =>
      (await doc.get()).exists ? (await doc.get()).data() : undefined,
    );
    expect(stored).toMatchObject({
      id: event.id,
      action: "sso.login.succeeded",
      actor: { id: "u-42" },
      details: { method: "saml" },
    });
    // Both deliveries have been handled once both outcomes are logged (they may race each other).
    await eventually(async () =>
      logged("audit.duplicate_ignored", event.id) + logged("audit.stored", event.id) >= 2 ? true : undefined,
    );
    expect(logged("audit.stored", event.id)).toBe(1);
    expect(logged("audit.duplicate_ignored", event.id)).toBe(1);
    expect((await db.collection("orgs/org-a/audit").get()).size).toBe(1);
  });

  it("stores an event published twice by a retrying publisher once", async () => {
    const publisher = pubsubPublisher(emulators.projectId);
    const event = await publishAuditEvent(publisher, input("org-b"));
    await publishAuditEvent(publisher, { ...input("org-b"), id: event.id, occurredAt: event.occurredAt });
    // two publishes × two subscriptions = four deliveries, one write
    await eventually(async () =>
      logged("audit.duplicate_ignored", event.id) + logged("audit.stored", event.id) >= 4 ? true : undefined,
    );
    expect(logged("audit.stored", event.id)).toBe(1);
    expect((await db.collection("orgs/org-b/audit").get()).size).toBe(1);
  });

  it("acknowledges a malformed message instead of retrying it forever, and stores nothing", async () => {
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic(spec.topic!).publishMessage({ json: { orgId: "org-c", action: "not an action" } });
    await pubsub.close();
    await eventually(async () => (logged("event.malformed") >= 2 ? true : undefined));
    // A rejected push would come back within the 1 s minimum backoff; an acknowledged one does not.
    await new Promise((r) => setTimeout(r, 2500));
    expect(logged("event.malformed")).toBe(2);
    expect((await db.collection("orgs/org-c/audit").get()).size).toBe(0);
  });
});
