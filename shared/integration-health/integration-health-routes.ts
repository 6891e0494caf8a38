// GET /v1/admin/integrations/health, mounted in the api function (integration-health.ts says what it shows).
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { INTEGRATION_NAMES } from "../identity";
import { principalOf, type Route, route } from "../platform/http";
import { integrationHealth } from "./integration-health";

const count = z.number().int().min(0);
const IntegrationHealthAnswer = z.object({
  generatedAt: z.iso.datetime(),
  integrations: z.array(
    z.object({
      name: z.enum(INTEGRATION_NAMES),
      connected: count,
      needsReauth: count,
      partial: count,
      sync: z
        .object({ failing: count, neverSynced: count, oldestSyncAt: z.iso.datetime().nullable() })
        .optional(),
      channels: z.object({ active: count, expiringWithinDay: count, polling: count }).optional(),
      deliveries: z.object({ failing: count, deadLettered: count }).optional(),
    }),
  ),
});

export function integrationHealthRoutes(deps: { db: () => Firestore; clock: () => Date }): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/admin/integrations/health",
      access: "admin",
      summary:
        "The organisation's integration health: per integration, people connected, needing consent again (needs_reauth, partial) or failing to sync, the oldest last sync, calendar's expiring channels and polling fallbacks, and messages failing or dead-lettered",
      success: {
        status: 200,
        description:
          "{ generatedAt, integrations: [{ name, connected, needsReauth, partial, sync?: { failing, neverSynced, oldestSyncAt }, channels?: { active, expiringWithinDay, polling }, deliveries?: { failing, deadLettered } }] }",
        schema: IntegrationHealthAnswer,
      },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        return { body: await integrationHealth(deps.db(), orgId, deps.clock(), ctx.log) };
      },
    }),
  ];
}
