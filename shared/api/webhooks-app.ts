// The webhooks function's composition root: public routes Google calls. Directory notifications today;
// Calendar's join them later.

import { directoryWebhookRoutes } from "../directory/directory-webhook";
import { createHttpHandler, type Route } from "../platform/http";
import { lazyPort, runtime } from "../platform/runtime";
import { watchChannelLedger } from "../platform/watch-channel-ledger";
import { calendarWebhookRoutes } from "../presence/calendar-webhook-routes";

export function webhookRoutes(): Route[] {
  // One ledger checks every channel's token, whichever capability opened it.
  const ledger = lazyPort(() => watchChannelLedger(runtime.db()));
  return [
    ...directoryWebhookRoutes({
      ledger,
      publisher: lazyPort(() => runtime.publisher()),
      clock: () => new Date(),
    }),
    ...calendarWebhookRoutes({
      db: runtime.db,
      ledger,
      publisher: lazyPort(() => runtime.publisher()),
    }),
  ];
}

export function createWebhooksHandler() {
  const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? 1024 * 1024);
  return createHttpHandler(webhookRoutes(), { maxBodyBytes });
}
