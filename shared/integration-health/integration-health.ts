// The org's integration health, for its admins (GET /v1/admin/integrations/health): per integration, how
// many people are connected, need to consent again (needs_reauth, or partial scopes) or are failing to
// sync, the oldest last sync, and for calendar the watch channels expiring soon and the people on the
// polling fallback. Read from the records that are the truth (grants, sync cursors, the channel ledger)
// rather than kept as counters fed by events, so it cannot drift from them under duplicated or lost
// deliveries. One read per grant and per sync cursor of the org: an admin page, not a hot path.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import {
  INTEGRATION_NAMES,
  INTEGRATIONS,
  type IntegrationName,
  missingScopes,
} from "../identity/integrations";
import { DELIVERY_FAILURES, REPORTED_TOPICS } from "../platform/delivery-failures";
import { parseDocuments, StoredDate } from "../platform/firestore";
import type { Logger } from "../platform/logger";

/** A channel expiring within this long is reported (renewal runs hourly; Google's channels last a week). */
export const EXPIRING_WITHIN_MS = 24 * 3600_000;

const GrantFields = z.object({
  userId: z.string(),
  status: z.string(),
  integrations: z.array(z.string()),
  scopes: z.array(z.string()),
});
/** What both sync cursors (contacts, calendar) say of the last run. */
const CursorFields = z.looseObject({
  lastSyncAt: StoredDate.nullable().optional(),
  lastErrorAt: StoredDate.nullable().optional(),
  lastError: z.string().nullable().optional(),
  mode: z.string().optional(),
});
const FailureFields = z.object({ topic: z.string(), attempts: z.number() });
const ChannelFields = z.looseObject({ kind: z.string(), status: z.string(), expiresAt: StoredDate });

export interface IntegrationHealth {
  name: IntegrationName;
  connected: number;
  /** Google refused the refresh token: the person must consent again. */
  needsReauth: number;
  /** Connected with fewer scopes than the integration needs: the person must consent again. */
  partial: number;
  /** Synced integrations: people whose last sync failed, who never synced, and the oldest last sync. */
  sync?: { failing: number; neverSynced: number; oldestSyncAt: string | null };
  /** Calendar: watch channels active and expiring within a day, and people on the polling fallback. */
  channels?: { active: number; expiringWithinDay: number; polling: number };
  /**
   * Messages of its worker for this org: failing (redelivery pending) and dead-lettered (every attempt
   * failed; `npm run dlq` lists and replays them) within the retention (platform/delivery-failures.ts).
   */
  deliveries?: { failing: number; deadLettered: number };
}

/** The integrations whose sync keeps a cursor at orgs/{org}/users/{user}/cursors/{name}. */
const SYNCED: ReadonlySet<IntegrationName> = new Set(["contacts", "calendar"]);

export async function integrationHealth(
  db: Firestore,
  orgId: string,
  now: Date,
  log: Logger,
): Promise<{ generatedAt: string; integrations: IntegrationHealth[] }> {
  const grantSnap = await db
    .collectionGroup("grants")
    .where("orgId", "==", orgId)
    .select("userId", "status", "integrations", "scopes")
    .get();
  const grants = parseDocuments(GrantFields, grantSnap.docs, log).map((g) => g.data);
  const channels = parseDocuments(
    ChannelFields,
    (await db.collection("channels").where("orgId", "==", orgId).get()).docs,
    log,
  ).map((c) => c.data);

  const failures = parseDocuments(
    FailureFields,
    (await db.collection(DELIVERY_FAILURES).where("orgId", "==", orgId).get()).docs,
    log,
  ).map((f) => f.data);

  const integrations: IntegrationHealth[] = [];
  for (const name of INTEGRATION_NAMES) {
    const mine = grants.filter((g) => g.integrations.includes(name));
    const needsReauth = mine.filter((g) => g.status === "needs_reauth").length;
    const connected = mine.filter((g) => g.status === "connected");
    const partial = connected.filter((g) => missingScopes(INTEGRATIONS[name], g.scopes).length > 0).length;
    const health: IntegrationHealth = { name, connected: connected.length - partial, needsReauth, partial };
    if (SYNCED.has(name)) {
      const refs = connected.map((g) => db.doc(`orgs/${orgId}/users/${g.userId}/cursors/${name}`));
      const cursors = refs.length > 0 ? await db.getAll(...refs) : [];
      const parsed = cursors.map((c) => (c.exists ? CursorFields.safeParse(c.data()) : undefined));
      const states = parsed.map((p) => (p?.success ? p.data : undefined));
      const synced = states.flatMap((s) => (s?.lastSyncAt ? [s.lastSyncAt] : []));
      health.sync = {
        failing: states.filter(
          (s) =>
            (s?.lastErrorAt && (!s.lastSyncAt || s.lastErrorAt > s.lastSyncAt)) ||
            // Calendar keeps only the last error's text: present means the last run failed.
            (name === "calendar" && s?.lastError),
        ).length,
        neverSynced: states.filter((s) => !s?.lastSyncAt).length,
        oldestSyncAt:
          synced.length > 0 ? new Date(Math.min(...synced.map((d) => d.getTime()))).toISOString() : null,
      };
      if (name === "calendar") {
        const active = channels.filter((c) => c.kind === "calendar" && c.status === "active");
        health.channels = {
          active: active.length,
          expiringWithinDay: active.filter((c) => c.expiresAt.getTime() - now.getTime() < EXPIRING_WITHIN_MS)
            .length,
          polling: states.filter((s) => s?.mode === "polling").length,
        };
      }
    }
    const topic = Object.entries(REPORTED_TOPICS).find(([, t]) => t.integration === name);
    if (topic) {
      const [topicName, { maxDeliveryAttempts }] = topic;
      const mine = failures.filter((f) => f.topic === topicName);
      const dead = mine.filter((f) => f.attempts >= maxDeliveryAttempts).length;
      health.deliveries = { failing: mine.length - dead, deadLettered: dead };
    }
    integrations.push(health);
  }
  return { generatedAt: now.toISOString(), integrations };
}
