// The scheduled reconcile only fans out: one full-sync message and one write-back sweep per org with a
// connected directory, once per schedule slot however often the tick is delivered.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { recordingPublisher, silentLog } from "../identity/test/identity-test-support";
import { fanOutReconcile } from "./directory-reconcile";
import { firestoreProvisioningSettings } from "./provisioning-settings";

const emulators = useEmulators("dirrec");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());

describe("directory reconcile fan-out", () => {
  it("publishes one full-sync and one write-back sweep per connected org, and nothing again for the same slot", async () => {
    const settings = firestoreProvisioningSettings(db);
    await settings.saveConnection("org-a", { mode: "delegation", impersonate: "root@a.example" });
    await settings.saveConnection("org-b", { mode: "admin_grant", adminUserId: "u-admin" });
    await db.doc("orgs/org-c").set({ name: "not connected" });
    const publisher = recordingPublisher();
    const tick = new Date("2026-03-01T03:00:05Z");
    expect(await fanOutReconcile(db, publisher, tick, silentLog)).toEqual({ orgs: 2, duplicate: false });
    expect(
      publisher.messages
        .map((m) => ({ topic: m.topic, ...(m.payload as object) }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { topic: "directory-sync", kind: "full-sync", orgId: "org-a", reason: "reconcile" },
      { topic: "directory-sync", kind: "full-sync", orgId: "org-b", reason: "reconcile" },
      { topic: "directory-writeback", kind: "sweep", orgId: "org-a" },
      { topic: "directory-writeback", kind: "sweep", orgId: "org-b" },
    ]);
    const redelivered = new Date("2026-03-01T03:01:00Z");
    expect(await fanOutReconcile(db, publisher, redelivered, silentLog)).toEqual({
      orgs: 0,
      duplicate: true,
    });
    expect(publisher.messages).toHaveLength(4);
  });
});
