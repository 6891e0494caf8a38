// POST /webhooks/directory: Google's users.watch notifications. Public (Google sends no credentials);
// the channel id and its secret token are the proof. It answers in milliseconds: a genuine change is
// only a hint, published for the directory-sync worker to fetch the user again. The body is only
// `{kind, id, etag, primaryEmail}` (admin-sdk directory guides/push), never the user itself.
import { z } from "zod";
import { AppError } from "../platform/errors";
import { type Route, route, WATCH_CHANNEL_HEADERS, WEBHOOK_RATE_LIMIT } from "../platform/http";
import type { EventPublisher } from "../platform/pubsub";
import type { WatchChannelLedger } from "../platform/watch-channel-ledger";
import { DirectorySyncMessage } from "./directory-sync-worker";
import { verifyDirectoryPush } from "./watch-channels";

export interface DirectoryWebhookDeps {
  ledger: WatchChannelLedger;
  publisher: EventPublisher;
  clock: () => Date;
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

const PUSH_EVENTS = ["add", "update", "delete", "undelete", "makeAdmin"] as const;
const Email = z.string().email().max(320);

export function directoryWebhookRoutes(deps: DirectoryWebhookDeps): Route[] {
  return [
    route({
      method: "POST",
      path: "/webhooks/directory",
      access: "public",
      rateLimit: WEBHOOK_RATE_LIMIT,
      headers: WATCH_CHANNEL_HEADERS,
      summary: "Admin SDK users.watch notifications (channel id and token checked; the user is re-fetched)",
      success: { status: 200, description: "acknowledged" },
      async handler(ctx) {
        const orgId = await verifyDirectoryPush(
          deps.ledger,
          {
            channelId: header(ctx.headers, "x-goog-channel-id"),
            token: header(ctx.headers, "x-goog-channel-token"),
            resourceId: header(ctx.headers, "x-goog-resource-id"),
          },
          deps.clock(),
        );
        // The same answer for unknown channels and wrong tokens: nothing to learn by probing.
        if (!orgId) throw new AppError("forbidden", "Unknown channel or bad channel token");
        const state = header(ctx.headers, "x-goog-resource-state");
        if (state === "sync") return { status: 200 };
        const body = (ctx.body ?? {}) as { id?: unknown; primaryEmail?: unknown; etag?: unknown };
        if (typeof body.id !== "string" || body.id.length === 0 || body.id.length > 100) {
          // No user id: the scheduled reconcile will catch the change.
          ctx.log.warn("directory.push_without_user", { orgId, state });
          return { status: 200 };
        }
        const email = typeof body.primaryEmail === "string" ? body.primaryEmail : "";
        const event = PUSH_EVENTS.find((e) => e === state);
        await deps.publisher.publish(
          DirectorySyncMessage,
          {
            kind: "user-changed",
            orgId,
            workspaceId: body.id,
            ...(Email.safeParse(email).success ? { primaryEmail: email } : {}),
            ...(event ? { event } : {}),
            ...(typeof body.etag === "string" && body.etag.length > 0 && body.etag.length <= 200
              ? { etag: body.etag }
              : {}),
          },
          { orderingKey: orgId },
        );
        return { status: 200 };
      },
    }),
  ];
}
