// The sync record's push mark against the Firestore emulator: a burst of pushes writes lastPushAt once a
// minute per org, not once per push (one document sustains about one write a second).
import { Firestore } from "@google-cloud/firestore";
import { describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { newOpCounter } from "./directory-snapshot";
import { firestoreSyncState, PUSH_MARK_INTERVAL_MS } from "./sync-state";

const emulators = useEmulators("syncstate");

describe("sync state push mark", () => {
  it("a burst of pushes writes lastPushAt once a minute per org", async () => {
    const ops = newOpCounter();
    const state = firestoreSyncState(new Firestore({ projectId: emulators.projectId }), ops);
    const t0 = Date.parse("2026-11-26T10:00:00Z");
    for (let i = 0; i < 50; i++) await state.markPush("org-a", new Date(t0 + i * 100));
    await state.markPush("org-b", new Date(t0));
    expect(ops.writes).toBe(2);
    expect((await state.get("org-a")).lastPushAt).toBe(new Date(t0).toISOString());

    const later = new Date(t0 + PUSH_MARK_INTERVAL_MS);
    await state.markPush("org-a", later);
    expect(ops.writes).toBe(3);
    expect((await state.get("org-a")).lastPushAt).toBe(later.toISOString());
  });
});
