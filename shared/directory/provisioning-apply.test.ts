// Provisioning's events survive a crash between the account's commit and their publish: the account and
// its audit and provisioning events commit in one transaction (the outbox); the relay after commit
// publishes and removes them, and when it fails the outbox sweep publishes them later, once.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { firestoreUserRepository } from "../accounts";
import { AuditEventMessage } from "../audit";
import type { UserOffboarding } from "../identity";
import { createLogger } from "../platform/logger";
import { OUTBOX_COLLECTION, relayOutbox } from "../platform/outbox";
import type { EventPublisher } from "../platform/pubsub";
import { applyProvisioningChanges } from "./provisioning-apply";
import { UserProvisioningEvent } from "./provisioning-events";
import { ProvisioningSettings } from "./provisioning-settings";

const emulators = useEmulators("provisioning-apply");
const log = createLogger({ level: "ERROR" });
let db: Firestore;
beforeAll(() => {
  db = new Firestore({ projectId: emulators.projectId });
});
afterAll(async () => {
  await db?.terminate();
});

function publisher(failing: boolean) {
  const published: Array<{ topic: string; payload: Record<string, unknown> }> = [];
  const p: EventPublisher = {
    async publish(type, payload) {
      if (failing) throw new Error("Pub/Sub unavailable");
      published.push({ topic: type.topic, payload: payload as Record<string, unknown> });
      return String(published.length);
    },
  };
  return { p, published };
}

const offboarding = {
  revokeSessions: async () => 0,
  offboard: async () => ({}),
} as unknown as UserOffboarding;

describe("provisioning events through the outbox", () => {
  it("commits the account with its events, and a failed publish leaves them for the sweep, which sends each once", async () => {
    const down = publisher(true);
    const settings = ProvisioningSettings.parse({ scope: { kind: "domain" } });
    const result = await applyProvisioningChanges(
      {
        users: firestoreUserRepository(db),
        db: () => db,
        publisher: down.p,
        offboarding,
        clock: () => new Date("2026-12-03T10:00:00Z"),
        log,
      },
      "org-outbox",
      settings,
      [
        {
          action: "create",
          accountId: "acct-1",
          workspaceId: "ws-1",
          reason: "entered_scope",
          linksExisting: false,
          profile: {
            email: "new.hire@acme.test",
            displayName: "New Hire",
            phone: null,
            orgUnitPath: "/",
            department: null,
          },
        },
      ],
      { type: "system", id: "directory-sync" },
    );
    expect(result).toEqual({ applied: 1, failed: [] });
    expect(await firestoreUserRepository(db).get("org-outbox", "acct-1")).toMatchObject({ status: "active" });
    const waiting = await db.collection(OUTBOX_COLLECTION).get();
    expect(waiting.docs.map((d) => d.get("topic")).sort()).toEqual(["audit-events", "user-provisioning"]);

    const up = publisher(false);
    const types = [AuditEventMessage, UserProvisioningEvent];
    const later = new Date("2026-12-03T10:05:00Z");
    expect(await relayOutbox(db, up.p, types, later, log)).toEqual({ relayed: 2, failed: 0 });
    expect(await relayOutbox(db, up.p, types, later, log)).toEqual({ relayed: 0, failed: 0 });
    expect(up.published.map((m) => m.topic).sort()).toEqual(["audit-events", "user-provisioning"]);
    expect(up.published.find((m) => m.topic === "audit-events")?.payload).toMatchObject({
      action: "provisioning.created",
      target: { type: "user", id: "acct-1" },
    });
  });
});
