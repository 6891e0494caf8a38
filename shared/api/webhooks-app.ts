// The webhooks function's composition root: public routes Google calls: Directory
// (users.watch) and Calendar (events.watch) notifications.

import { directoryWebhookRoutes } from "../directory/directory-webhook";
import { createHttpHandler, type Route } from "../platform/http";
import { lazyPort, runtime } from "../platform/runtime";
import { calendarWebhookRoutes } from "../presence/calendar-webhook-routes";
import { firestoreChannelLedger } from "../presence/channel-ledger";

export function webhookRoutes(): Route[] {
  return [
    ...directoryWebhookRoutes({
      db: runtime.db,
      publisher: lazyPort(() => runtime.publisher()),
      clock: () => new Date(),
    }),
    ...calendarWebhookRoutes({
      db: runtime.db,
      ledger: lazyPort(() => firestoreChannelLedger(runtime.db())),
      publisher: lazyPort(() => runtime.publisher()),
    }),
  ];
}

export function createWebhooksHandler() {
  const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? 1024 * 1024);
  return createHttpHandler(webhookRoutes(), { maxBodyBytes });
}
