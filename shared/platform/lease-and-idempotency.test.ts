import { FieldValue, Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { claim, isClaimed, runOnce, runSlotOnce } from "./idempotency";
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

describe("a lease held by withLease", () => {
  it("is renewed while the work runs: a contender past its first expiry is still refused", async () => {
    const leaseDoc = db.collection("leases").doc(encodeURIComponent("long-sync"));
    const result = await withLease(db, "long-sync", "runner", 900, async () => {
      const first = (await leaseDoc.get()).get("expiresAt").toDate().getTime();
      await expect
        .poll(async () => (await leaseDoc.get()).get("expiresAt").toDate().getTime(), { timeout: 5_000 })
        .toBeGreaterThan(first);
      expect(await acquireLease(db, "long-sync", "contender", 900, new Date(first + 1))).toBeUndefined();
      return "synced";
    });
    expect(result).toEqual({ ran: true, result: "synced" });
    expect((await leaseDoc.get()).exists).toBe(false);
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

describe("a schedule slot run to completion", () => {
  const slotDoc = (key: string) => db.collection("idempotency").doc(encodeURIComponent(key));

  it("is done only after its work: a run that fails half-way is finished from its checkpoint by the redelivery, and a later delivery is skipped", async () => {
    const key = "tick:2026-01-01T10:00:00Z";
    const processed: number[] = [];
    const work =
      (failAt?: number) =>
      async (run: { resumeFrom: number | undefined; checkpoint(p: number): Promise<void> }) => {
        for (let page = (run.resumeFrom ?? -1) + 1; page < 5; page++) {
          if (page === failAt) throw new Error("crashed half-way");
          processed.push(page);
          await run.checkpoint(page);
        }
        return processed.length;
      };
    await expect(runSlotOnce(db, key, { leaseMs: 30_000, owner: "first" }, work(2))).rejects.toThrow(
      "crashed half-way",
    );
    expect((await slotDoc(key).get()).get("status")).toBe("processing");
    expect(await isClaimed(db, key)).toBe(false);
    const redelivered = await runSlotOnce(db, key, { leaseMs: 30_000, owner: "second" }, work());
    expect(redelivered).toEqual({ done: true, result: 5, attempt: 2 });
    expect(processed).toEqual([0, 1, 2, 3, 4]);
    expect(await runSlotOnce(db, key, { leaseMs: 30_000, owner: "third" }, work())).toEqual({ done: false });
    expect(await isClaimed(db, key)).toBe(true);
    expect((await slotDoc(key).get()).get("expireAt")).toBeDefined();
  });

  it("refuses a redelivery while a live run holds the slot (retryable), and lets one take over a run that died", async () => {
    const key = "tick:live";
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const live = runSlotOnce(db, key, { leaseMs: 30_000, owner: "live" }, () => blocked);
    await expect.poll(async () => (await slotDoc(key).get()).get("owner")).toBe("live");
    await expect(
      runSlotOnce(db, key, { leaseMs: 30_000, owner: "dup" }, async () => "dup"),
    ).rejects.toMatchObject({ code: "conflict", retryable: true });
    release();
    await live;

    // A run killed mid-work stops renewing: its claim lapses, and the redelivery takes over.
    const dead = "tick:dead";
    const past = new Date(Date.now() - 120_000);
    await slotDoc(dead).set({
      key: dead,
      status: "processing",
      owner: "killed",
      expiresAt: past,
      attempts: 1,
      progress: 7,
    });
    const taken = await runSlotOnce<number, number>(
      db,
      dead,
      { leaseMs: 30_000, owner: "next" },
      async (run) => run.resumeFrom ?? -1,
    );
    expect(taken).toEqual({ done: true, result: 7, attempt: 2 });
  });

  it("renews its claim while the work runs, so a long run keeps the slot", async () => {
    const key = "tick:long";
    let now = Date.now();
    const run = runSlotOnce(db, key, { leaseMs: 600, owner: "long", now: () => new Date(now) }, async () => {
      const first = (await slotDoc(key).get()).get("expiresAt").toDate().getTime();
      now += 1_000;
      await expect
        .poll(async () => (await slotDoc(key).get()).get("expiresAt").toDate().getTime(), { timeout: 5_000 })
        .toBeGreaterThan(first + 900);
      return "finished";
    });
    expect(await run).toMatchObject({ done: true, result: "finished" });
  });
});
