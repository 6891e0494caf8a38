// The webhooks function's composition root: the public routes Google calls (Directory and Calendar push
// notifications), each checked against its channel's token and turned into a Pub/Sub message.
import { directoryWebhookRoutes } from "../../directory/directory-webhook";
import { healthRoutes } from "../../platform/health-routes";
import { createHttpHandler, type Route } from "../../platform/http";
import { lazyPort } from "../../platform/lazy-port";
import { watchChannelLedger } from "../../platform/watch-channel-ledger";
import { calendarWebhookRoutes } from "../../presence/calendar-webhook-routes";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export function webhookRoutes(graph: ProcessGraph): Route[] {
  const { ports } = graph;
  // One ledger checks every channel's token, whichever capability opened it.
  const ledger = lazyPort(() => watchChannelLedger(ports.firestore()));
  return [
    ...directoryWebhookRoutes({
      ledger,
      publisher: lazyPort(() => ports.publisher()),
      clock: ports.clock,
    }),
    ...calendarWebhookRoutes({
      db: ports.firestore,
      ledger,
      publisher: lazyPort(() => ports.publisher()),
    }),
  ];
}

export function createWebhooksHandler(graph: ProcessGraph = processGraphFromEnvironment()) {
  const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? 1024 * 1024);
  // Liveness and readiness as on the api and auth functions.
  const health = healthRoutes({
    checkConfig: () => void graph.ports.config(),
    firestore: graph.ports.firestore,
  });
  return createHttpHandler([...health, ...webhookRoutes(graph)], {
    maxBodyBytes,
    rateLimits: { webhooks: () => graph.ports.config().WEBHOOK_NOTIFICATIONS_PER_MINUTE },
  });
}
