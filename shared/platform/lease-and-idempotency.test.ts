import { FieldValue, Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { claim, runOnce } from "./idempotency";
import { acquireLease, releaseLease, withLease } from "./lease";

const emulators = useEmulators("lease");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());

describe("transactional lease", () => {
  it("lets exactly one of many concurrent contenders hold it", async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        acquireLease(db, "sync:user-1", `instance-${i}`, 30_000).catch(() => undefined),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("can be taken over once expired, and a late holder cannot release its successor's lease", async () => {
    const past = new Date(Date.now() - 60_000);
    const stale = await acquireLease(db, "sync:user-2", "old", 1_000, past);
    expect(stale).toBeDefined();
    const fresh = await acquireLease(db, "sync:user-2", "new", 30_000);
    expect(fresh?.owner).toBe("new");
    expect(await releaseLease(db, stale!)).toBe(false);
    expect(await acquireLease(db, "sync:user-2", "third", 30_000)).toBeUndefined();
    expect(await releaseLease(db, fresh!)).toBe(true);
  });

  it("runs work under the lease and frees it afterwards", async () => {
    const inner = await withLease(db, "job", "a", 30_000, async () =>
      withLease(db, "job", "b", 30_000, async () => "b ran"),
    );
    expect(inner).toEqual({ ran: true, result: { ran: false } });
    expect(await withLease(db, "job", "b", 30_000, async () => "b ran")).toEqual({
      ran: true,
      result: "b ran",
    });
  });
});

describe("idempotency claim", () => {
  it("does the work once per key, however often the event arrives", async () => {
    // A transaction may rerun its body, so effects are counted through Firestore, not in memory.
    const attempt = () =>
      runOnce(db, "event:42", async (tx) => {
        tx.set(db.doc("effects/event-42"), { n: FieldValue.increment(1) });
        return "done";
      });
    const results = await Promise.all([attempt(), attempt(), attempt()]);
    expect(results.filter((r) => r.done)).toHaveLength(1);
    expect((await db.doc("effects/event-42").get()).data()).toEqual({ n: 1 });
    expect((await db.collection("idempotency").get()).docs[0]?.get("expireAt")).toBeDefined();
  });

  it("claims a key once without a transaction", async () => {
    expect(await claim(db, "projects/p/topics/t:1")).toBe(true);
    expect(await claim(db, "projects/p/topics/t:1")).toBe(false);
  });
});
