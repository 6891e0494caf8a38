// GET /v1/admin/integrations/health, mounted in the api function (integration-health.ts says what it shows).
import type { Firestore } from "@google-cloud/firestore";
import { principalOf, type Route, route } from "../platform/http";
import { integrationHealth } from "./integration-health";

export function integrationHealthRoutes(deps: { db: () => Firestore; clock: () => Date }): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/admin/integrations/health",
      access: "admin",
      summary:
        "The organisation's integration health: per integration, people connected, needing consent again (needs_reauth, partial) or failing to sync, the oldest last sync, and calendar's expiring channels and polling fallbacks",
      success: {
        status: 200,
        description:
          "{ generatedAt, integrations: [{ name, connected, needsReauth, partial, sync?: { failing, neverSynced, oldestSyncAt }, channels?: { active, expiringWithinDay, polling } }] }",
      },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        return { body: await integrationHealth(deps.db(), orgId, deps.clock(), ctx.log) };
      },
    }),
  ];
}
