// Stands between each push subscription on the Pub/Sub emulator and its function, and does there what
// Pub/Sub itself does and the emulator does not (docs/local-stack.md, "Delivery bridge"): it counts the
// delivery attempts of each message id, spaces redeliveries with the subscription's exponential backoff,
// tells the function the attempt number (`deliveryAttempt`, as Pub/Sub does once a dead-letter policy
// is set) and, after maxDeliveryAttempts, forwards the message to the dead-letter topic and acknowledges
// it, so later messages with the same ordering key are delivered. The emulator keeps ordering, retention
// and redelivery; it redelivers an unacknowledged push about once a second whatever the retry policy,
// and on an ordered subscription it never dead-letters, so a failing message blocks its key for good.
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PubSub } from "@google-cloud/pubsub";

/** A subscription's retry policy: the wait after the n-th failed attempt is min(maximum, minimum × 2^(n-1)). */
export interface Backoff {
  minimumMs: number;
  maximumMs: number;
}

export interface BridgedSubscription {
  /** Short subscription name, e.g. `contact-sync-push`. */
  subscription: string;
  /** The function's push endpoint. */
  target: string;
  /** Short dead-letter topic name, or null when the subscription has no dead-letter policy. */
  deadLetterTopic: string | null;
  maxDeliveryAttempts: number | null;
  backoff: Backoff;
  /** How long one delivery may take (the subscription's ack deadline). */
  timeoutMs: number;
}

export interface DeliveryBridge {
  url: string;
  /** Registers a subscription; returns the push endpoint the emulator should deliver it to. */
  route(subscription: BridgedSubscription): string;
  /** Deliveries sent to a function and not yet answered. */
  inFlight(): number;
  close(): Promise<void>;
}

export interface DeliveryBridgeOptions {
  projectId: string;
  /** A client for publishing dead letters (closed after each use). */
  pubsub: () => PubSub;
  /** One line per dead letter (and per failed forward to the dead-letter topic). */
  log?: (line: string) => void;
  now?: () => number;
}

interface PushBody {
  message?: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    publishTime?: string;
    orderingKey?: string;
  };
  subscription?: string;
}

interface Attempts {
  count: number;
  /** A redelivery before this time is turned away without counting (the backoff has not elapsed). */
  notBefore: number;
}

export const backoffAfter = (failures: number, backoff: Backoff): number =>
  Math.min(backoff.maximumMs, backoff.minimumMs * 2 ** Math.max(0, failures - 1));

/** Pub/Sub's own attributes on a forwarded message (the same names the emulator and Pub/Sub add). */
export function deadLetterAttributes(
  message: NonNullable<PushBody["message"]>,
  source: { projectId: string; subscription: string; deliveryCount: number },
): Record<string, string> {
  return {
    ...(message.attributes ?? {}),
    CloudPubSubDeadLetterSourceDeliveryCount: String(source.deliveryCount),
    CloudPubSubDeadLetterSourceSubscription: source.subscription,
    CloudPubSubDeadLetterSourceSubscriptionProject: source.projectId,
    CloudPubSubDeadLetterSourceTopicPublishTime: message.publishTime ?? "",
  };
}

/**
 * One POST on a fresh connection, resolving to the status or rejecting when the connection breaks. (Not
 * fetch: undici silently retried a push whose process was killed, and the delivery hung.)
 */
function post(url: string, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 500));
        res.once("error", reject);
      },
    );
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once("error", reject);
    req.end(body);
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  req.setEncoding("utf8");
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startDeliveryBridge(options: DeliveryBridgeOptions): Promise<DeliveryBridge> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const routes = new Map<string, BridgedSubscription>();
  const attempts = new Map<string, Attempts>();
  let inFlight = 0;

  async function forwardToDeadLetter(route: BridgedSubscription, body: PushBody, count: number) {
    const message = body.message ?? {};
    const pubsub = options.pubsub();
    try {
      await pubsub.topic(route.deadLetterTopic!).publishMessage({
        data: Buffer.from(message.data ?? "", "base64"),
        attributes: deadLetterAttributes(message, {
          projectId: options.projectId,
          subscription: route.subscription,
          deliveryCount: count,
        }),
      });
    } finally {
      await pubsub.close();
    }
  }

  async function deliver(route: BridgedSubscription, raw: string): Promise<number> {
    let body: PushBody;
    try {
      body = JSON.parse(raw) as PushBody;
    } catch {
      return 400;
    }
    const key = `${route.subscription}/${body.message?.messageId ?? ""}`;
    const previous = attempts.get(key);
    if (previous && now() < previous.notBefore) return 503; // still backing off: not an attempt
    const count = (previous?.count ?? 0) + 1;
    const dlp = route.deadLetterTopic !== null && route.maxDeliveryAttempts !== null;
    let ok = false;
    inFlight++;
    try {
      const status = await post(
        route.target,
        JSON.stringify(dlp ? { ...body, deliveryAttempt: count } : body),
        route.timeoutMs,
      );
      ok = status >= 200 && status < 300;
    } catch {
      ok = false; // no answer (the process died, or the deadline passed): a failed attempt, as on Cloud Run
    } finally {
      inFlight--;
    }
    if (ok) {
      attempts.delete(key);
      return 204;
    }
    if (dlp && count >= route.maxDeliveryAttempts!) {
      try {
        await forwardToDeadLetter(route, body, count);
      } catch (error) {
        log(
          `[pubsub] ${route.subscription}: could not dead-letter message ${body.message?.messageId}: ${(error as Error).message}`,
        );
        attempts.set(key, { count: count - 1, notBefore: now() + route.backoff.minimumMs });
        return 503;
      }
      attempts.delete(key);
      log(
        `[pubsub] ${route.subscription}: message ${body.message?.messageId} failed ${count} deliveries; forwarded to ${route.deadLetterTopic}`,
      );
      return 204; // acknowledged: the ordering key moves on
    }
    attempts.set(key, { count, notBefore: now() + backoffAfter(count, route.backoff) });
    return 503;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = routes.get(decodeURIComponent((req.url ?? "/").slice(1)));
    void (async () => {
      const raw = await readBody(req);
      res.statusCode = req.method !== "POST" ? 405 : route ? await deliver(route, raw) : 404;
      res.end();
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref(); // a caller that never closes the bridge does not keep its process alive
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    route(subscription) {
      routes.set(subscription.subscription, subscription);
      return `${url}/${encodeURIComponent(subscription.subscription)}`;
    },
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
