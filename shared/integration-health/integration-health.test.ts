// Integration health against the Firestore emulator: one org's grants, sync cursors and watch channels
// turned into per-integration counts (connected, needs consent again, failing, never synced, oldest sync,
// channels expiring and polling, messages failing and dead-lettered), and nothing of another org counted.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { INTEGRATIONS } from "../identity";
import { createLogger } from "../platform/logger";
import { integrationHealth } from "./integration-health";

const emulators = useEmulators("integration-health");
const log = createLogger({ level: "ERROR" });
const now = new Date("2026-12-03T12:00:00Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
let db: Firestore;

const ALL = [...INTEGRATIONS.contacts.scopes, ...INTEGRATIONS.calendar.scopes];
async function grant(orgId: string, userId: string, status: string, scopes = ALL) {
  await db.doc(`orgs/${orgId}/users/${userId}/grants/g1`).set({
    orgId,
    userId,
    status,
    integrations: ["contacts", "calendar"],
    scopes,
  });
}
const cursor = (orgId: string, userId: string, name: string, fields: Record<string, unknown>) =>
  db.doc(`orgs/${orgId}/users/${userId}/cursors/${name}`).set(fields);

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  const org = "org-health";
  await grant(org, "ok", "connected");
  await grant(org, "failing", "connected");
  await grant(org, "never", "connected");
  await grant(org, "refused", "needs_reauth");
  await grant(org, "narrow", "connected", INTEGRATIONS.contacts.scopes.slice(0, 1));
  await cursor(org, "ok", "contacts", { lastSyncAt: hoursAgo(1), lastErrorAt: null });
  await cursor(org, "failing", "contacts", { lastSyncAt: hoursAgo(5), lastErrorAt: hoursAgo(2) });
  await cursor(org, "ok", "calendar", { lastSyncAt: hoursAgo(0.5), lastError: null, mode: "push" });
  await cursor(org, "failing", "calendar", { lastSyncAt: hoursAgo(3), lastError: "503", mode: "polling" });
  await db
    .doc("channels/c1")
    .set({ orgId: org, kind: "calendar", status: "active", expiresAt: hoursAgo(-2) });
  await db
    .doc("channels/c2")
    .set({ orgId: org, kind: "calendar", status: "active", expiresAt: hoursAgo(-90) });
  await db
    .doc("channels/c3")
    .set({ orgId: org, kind: "calendar", status: "stopped", expiresAt: hoursAgo(-1) });
  // Deliveries: one contact sync failing for now, one dead-lettered (10 attempts), one of another org.
  await db.doc("deliveryFailures/contact-sync:m1").set({ topic: "contact-sync", orgId: org, attempts: 2 });
  await db.doc("deliveryFailures/contact-sync:m2").set({ topic: "contact-sync", orgId: org, attempts: 10 });
  await db
    .doc("deliveryFailures/contact-sync:m3")
    .set({ topic: "contact-sync", orgId: "org-other", attempts: 10 });
  // Another org's broken grant and channel: never counted here.
  await grant("org-other", "someone", "needs_reauth");
  await db.doc("channels/c4").set({ orgId: "org-other", kind: "calendar", status: "active", expiresAt: now });
});
afterAll(async () => {
  await db?.terminate();
});

describe("integration health", () => {
  it("counts each integration's people by state, its failing and stale syncs, and calendar's channels", async () => {
    const health = await integrationHealth(db, "org-health", now, log);
    const byName = Object.fromEntries(health.integrations.map((i) => [i.name, i]));
    expect(byName.contacts).toEqual({
      name: "contacts",
      connected: 3,
      needsReauth: 1,
      partial: 1,
      sync: { failing: 1, neverSynced: 2, oldestSyncAt: hoursAgo(5).toISOString() },
      deliveries: { failing: 1, deadLettered: 1 },
    });
    expect(byName.calendar).toEqual({
      name: "calendar",
      connected: 3,
      needsReauth: 1,
      partial: 1,
      sync: { failing: 1, neverSynced: 2, oldestSyncAt: hoursAgo(3).toISOString() },
      channels: { active: 2, expiringWithinDay: 1, polling: 1 },
      deliveries: { failing: 0, deadLettered: 0 },
    });
    // Integrations nobody connected are listed with zeros.
    expect(byName.drive).toEqual({ name: "drive", connected: 0, needsReauth: 0, partial: 0 });
  });

  it("shows an org without integrations as all zeros", async () => {
    const health = await integrationHealth(db, "org-empty", now, log);
    expect(health.integrations.every((i) => i.connected + i.needsReauth + i.partial === 0)).toBe(true);
  });
});
