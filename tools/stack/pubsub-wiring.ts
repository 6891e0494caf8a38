// Creates, on the Pub/Sub emulator, what Terraform creates in a project: every topic of the manifest,
// a dead-letter topic per consumed topic, and a push subscription per event function that delivers to
// the function over HTTP as Eventarc does (the Functions Framework turns the push into a CloudEvent).
import { PubSub } from "@google-cloud/pubsub";
import { allTopics, deadLetterTopic, type FunctionSpec, type Manifest } from "../../functions/manifest";

export interface WiringOptions {
  projectId: string;
  pubsubHost: string;
  /** Base URL of each running event function. */
  endpointOf(fn: FunctionSpec): string;
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

export async function wirePubSub(manifest: Manifest, options: WiringOptions) {
  const pubsub = pubsubClient(options.projectId, options.pubsubHost);
  try {
    for (const name of allTopics(manifest)) await ensureTopic(pubsub, name);
    const subscriptions: Array<{ function: string; topic: string; subscription: string; endpoint: string }> =
      [];
    for (const fn of manifest.functions) {
      if (!fn.topic) continue;
      const deadLetter = await ensureTopic(pubsub, deadLetterTopic(fn.topic));
      // Keep dead letters inspectable locally: a pull subscription on each dead-letter topic.
      const [dlExists] = await deadLetter.subscription(`${deadLetterTopic(fn.topic)}-inspect`).exists();
      if (!dlExists) await deadLetter.createSubscription(`${deadLetterTopic(fn.topic)}-inspect`);
      const endpoint = pushEndpoint(options.endpointOf(fn), options.projectId, fn.topic);
      const name = subscriptionName(fn);
      const subscription = pubsub.subscription(name);
      const [exists] = await subscription.exists();
      if (exists) await subscription.delete();
      await pubsub.topic(fn.topic).createSubscription(name, {
        pushConfig: { pushEndpoint: endpoint },
        ackDeadlineSeconds: Math.min(600, Math.max(10, fn.timeoutSeconds)),
        retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 10 } },
        // Note: the emulator does not dead-letter on ordered subscriptions; Pub/Sub itself does.
        enableMessageOrdering: fn.ordered,
        ...(fn.maxDeliveryAttempts
          ? {
              deadLetterPolicy: {
                deadLetterTopic: `projects/${options.projectId}/topics/${deadLetterTopic(fn.topic)}`,
                maxDeliveryAttempts: fn.maxDeliveryAttempts,
              },
            }
          : {}),
      });
      subscriptions.push({ function: fn.name, topic: fn.topic, subscription: name, endpoint });
    }
    return subscriptions;
  } finally {
    await pubsub.close();
  }
}
