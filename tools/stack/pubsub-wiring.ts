// Creates, on the Pub/Sub emulator, what Terraform creates in a project: every topic of the manifest,
// a dead-letter topic per consumed topic (with its `-inspect` pull subscription), and a push subscription
// per event function that delivers to the function over HTTP as Pub/Sub does (the Functions Framework
// turns the push into a CloudEvent). Each push goes through the delivery bridge (delivery-bridge.ts),
// which owns the retry backoff and the dead-letter policy, because the emulator honours neither on
// ordered subscriptions (docs/local-stack.md).
import { PubSub } from "@google-cloud/pubsub";
import { allTopics, deadLetterTopic, type FunctionSpec, type Manifest } from "../../functions/manifest";
import { type Backoff, type DeliveryBridge, startDeliveryBridge } from "./delivery-bridge";

export type { Backoff } from "./delivery-bridge";

/** Pub/Sub's default retry policy (no backoff): redelivery at the emulator's own pace, about once a second. */
export const IMMEDIATE_REDELIVERY: Backoff = { minimumMs: 0, maximumMs: 0 };
/** Production's retry policy for retried functions (terraform/variables.tf `retry_backoff`: 10s to 600s). */
export const PRODUCTION_BACKOFF: Backoff = { minimumMs: 10_000, maximumMs: 600_000 };

export interface WiringOptions {
  projectId: string;
  pubsubHost: string;
  /** Base URL of each running event function. */
  endpointOf(fn: FunctionSpec): string;
  /**
   * Backoff between redeliveries of a retried function's message (default: immediate redelivery). A
   * function with retry false gets the minimum every time, as in Terraform.
   */
  backoff?: Backoff;
  /** Where the bridge reports dead letters. */
  log?: (line: string) => void;
}

export interface WiredSubscription {
  function: string;
  topic: string;
  subscription: string;
  /** Where the emulator pushes (the delivery bridge). */
  endpoint: string;
  /** The function's own push endpoint, which the bridge calls. */
  target: string;
  deadLetterTopic: string;
}

export interface PubSubWiring {
  subscriptions: WiredSubscription[];
  /** Deliveries the bridge has sent to a function and not yet had answered. */
  inFlight(): number;
  /** Stops the delivery bridge (pushes are refused from then on). */
  close(): Promise<void>;
}

export const pubsubClient = (projectId: string, pubsubHost: string) =>
  new PubSub({ projectId, apiEndpoint: pubsubHost, emulatorMode: true });

/** The push path the Functions Framework recognises as a Pub/Sub push for that topic. */
export const pushEndpoint = (base: string, projectId: string, topic: string) =>
  `${base}/projects/${projectId}/topics/${topic}`;

export const subscriptionName = (fn: FunctionSpec) => `${fn.name}-push`;

async function ensureTopic(pubsub: PubSub, name: string) {
  const topic = pubsub.topic(name);
  const [exists] = await topic.exists();
  if (!exists) await topic.create();
  return topic;
}

export async function wirePubSub(manifest: Manifest, options: WiringOptions): Promise<PubSubWiring> {
  const pubsub = pubsubClient(options.projectId, options.pubsubHost);
  const bridge: DeliveryBridge = await startDeliveryBridge({
    projectId: options.projectId,
    pubsub: () => pubsubClient(options.projectId, options.pubsubHost),
    ...(options.log ? { log: options.log } : {}),
  });
  const backoff = options.backoff ?? IMMEDIATE_REDELIVERY;
  try {
    for (const name of allTopics(manifest)) await ensureTopic(pubsub, name);
    const subscriptions: WiredSubscription[] = [];
    for (const fn of manifest.functions) {
      if (!fn.topic) continue;
      const deadLetterName = deadLetterTopic(fn.topic);
      const deadLetter = await ensureTopic(pubsub, deadLetterName);
      // Dead letters stay inspectable (npm run dlq): a pull subscription on each dead-letter topic.
      const [dlExists] = await deadLetter.subscription(`${deadLetterName}-inspect`).exists();
      if (!dlExists) await deadLetter.createSubscription(`${deadLetterName}-inspect`);
      const target = pushEndpoint(options.endpointOf(fn), options.projectId, fn.topic);
      const name = subscriptionName(fn);
      const ackDeadlineSeconds = Math.min(600, Math.max(10, fn.timeoutSeconds));
      const endpoint = bridge.route({
        subscription: name,
        target,
        deadLetterTopic: fn.maxDeliveryAttempts ? deadLetterName : null,
        maxDeliveryAttempts: fn.maxDeliveryAttempts,
        backoff: fn.retry ? backoff : { minimumMs: backoff.minimumMs, maximumMs: backoff.minimumMs },
        timeoutMs: ackDeadlineSeconds * 1000,
      });
      const subscription = pubsub.subscription(name);
      const [exists] = await subscription.exists();
      if (exists) await subscription.delete();
      // No retry or dead-letter policy on the emulator's side: the bridge applies both (see above).
      await pubsub.topic(fn.topic).createSubscription(name, {
        pushConfig: { pushEndpoint: endpoint },
        ackDeadlineSeconds,
        enableMessageOrdering: fn.ordered,
      });
      subscriptions.push({
        function: fn.name,
        topic: fn.topic,
        subscription: name,
        endpoint,
        target,
        deadLetterTopic: deadLetterName,
      });
    }
    return { subscriptions, inFlight: () => bridge.inFlight(), close: () => bridge.close() };
  } catch (error) {
    await bridge.close();
    throw error;
  } finally {
    await pubsub.close();
  }
}
