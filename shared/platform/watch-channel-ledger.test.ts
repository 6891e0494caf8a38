import { createHash } from "node:crypto";
import { Firestore, Timestamp } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import {
  CHANNEL_SCHEMA_VERSION,
  CHANNELS_COLLECTION,
  checkNotification,
  newChannelId,
  newChannelToken,
  type WatchChannel,
  watchChannelLedger,
} from "./watch-channel-ledger";

const emulators = useEmulators("channels");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());
const ledger = watchChannelLedger(db);
const raw = async (id: string) => (await db.collection(CHANNELS_COLLECTION).doc(id).get()).data();
const now = new Date("2025-03-01T10:00:00Z");
const hours = (n: number) => new Date(now.getTime() + n * 3600_000);

async function openCalendar(userId: string, expiresAt = hours(24 * 7)) {
  const id = newChannelId("calendar");
  const token = newChannelToken();
  await ledger.recordOpening({
    kind: "calendar",
    id,
    token,
    orgId: "org-a",
    userId,
    resource: "primary",
    expiresAt,
    now,
  });
  await ledger.markActive(id, `res-${id}`, expiresAt);
  return { id, token };
}

/** Presence's calendar record as it was stored before the shared ledger. */
const legacyCalendar = (id: string, token: string, over: Record<string, unknown> = {}) => ({
  id,
  kind: "calendar",
  orgId: "org-a",
  userId: "u-legacy",
  resource: "primary",
  resourceId: "res-legacy",
  tokenHash: createHash("sha256").update(token, "utf8").digest("hex"),
  status: "active",
  expiresAt: Timestamp.fromDate(hours(48)),
  createdAt: Timestamp.fromDate(now),
  stoppedAt: null,
  replacedBy: null,
  expireAt: null,
  ...over,
});

/** Directory's users.watch record as it was stored before the shared ledger. */
const legacyDirectory = (token: string, over: Record<string, unknown> = {}) => ({
  kind: "directory-users",
  orgId: "org-d",
  resourceId: "res-dir",
  tokenHash: createHash("sha256").update(token).digest().toString("base64url"),
  expiration: hours(6).getTime(),
  createdAt: now.toISOString(),
  status: "live",
  ...over,
});

describe("watch-channel ledger", () => {
  it("stores a new channel in the current shape with only the token's hash", async () => {
    const { id, token } = await openCalendar("u-1");
    const stored = await raw(id);
    expect(stored).toMatchObject({
      schemaVersion: CHANNEL_SCHEMA_VERSION,
      kind: "calendar",
      userId: "u-1",
      status: "active",
      resourceId: `res-${id}`,
      tokenHash: createHash("sha256").update(token).digest("hex"),
    });
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await ledger.get(id)).toMatchObject({ id, status: "active", expiresAt: hours(24 * 7) });
  });

  it("checks a notification's token in constant time, and its kind and resource id", async () => {
    const { id, token } = await openCalendar("u-2");
    const channel = (await ledger.get(id))!;
    const push = { token, resourceId: `res-${id}` };
    expect(checkNotification(channel, "calendar", push)).toEqual({ ok: true, channel });
    expect(checkNotification(channel, "calendar", { ...push, token: `${token}x` })).toMatchObject({
      ok: false,
      tokenOk: false,
    });
    expect(checkNotification(channel, "calendar", { ...push, token: undefined })).toMatchObject({
      ok: false,
    });
    expect(checkNotification(channel, "directory", push)).toMatchObject({ ok: false, kindOk: false });
    expect(checkNotification(channel, "calendar", { ...push, resourceId: "other" })).toMatchObject({
      ok: false,
      resourceOk: false,
    });
    // Before the watch call returns, any resource id is accepted (the `sync` may come first).
    expect(
      checkNotification({ ...channel, resourceId: null }, "calendar", { ...push, resourceId: "x" }).ok,
    ).toBe(true);
  });

  it("answers unknown for ids it never creates, without asking Firestore to parse them", async () => {
    for (const id of ["", "a/b", "__reserved__", "x".repeat(65), "sb-cal-unknown"])
      expect(await ledger.get(id)).toBeUndefined();
  });

  it("stops and expires channels with a TTL, and lists only live ones", async () => {
    const a = await openCalendar("u-3");
    const b = await openCalendar("u-3");
    const c = await openCalendar("u-3");
    await ledger.markStopped(a.id, now, b.id);
    await ledger.markExpired(c.id, now);
    expect((await ledger.live("calendar", { orgId: "org-a", userId: "u-3" })).map((x) => x.id)).toEqual([
      b.id,
    ]);
    expect(await ledger.get(a.id)).toMatchObject({ status: "stopped", replacedBy: b.id, stoppedAt: now });
    expect((await ledger.get(c.id))?.expireAt?.getTime()).toBeGreaterThan(now.getTime());
    expect(await ledger.live("directory", { orgId: "org-a" })).toEqual([]);
  });

  it("finds channels stuck opening (the watch call's process died) once they are older than the cut-off", async () => {
    const stuck = newChannelId("calendar");
    await ledger.recordOpening({
      kind: "calendar",
      id: stuck,
      token: newChannelToken(),
      orgId: "org-a",
      userId: "u-9",
      resource: "primary",
      expiresAt: hours(24),
      now,
    });
    const opened = await openCalendar("u-9");
    expect((await ledger.staleOpening("calendar", now, 10)).map((c) => c.id)).toEqual([]);
    const later = new Date(now.getTime() + 20 * 60_000);
    expect((await ledger.staleOpening("calendar", later, 10)).map((c) => c.id)).toEqual([stuck]);
    await ledger.markExpired(stuck, later);
    expect(await ledger.staleOpening("calendar", later, 10)).toEqual([]);
    expect((await ledger.live("calendar", { orgId: "org-a", userId: "u-9" })).map((c) => c.id)).toEqual([
      opened.id,
    ]);
  });

  it("refuses to write anything but the current shape, and names a malformed document", async () => {
    const col = db.collection(CHANNELS_COLLECTION);
    await expect(
      ledger.recordOpening({
        kind: "calendar",
        id: "sb-cal-bad",
        token: "t",
        orgId: "",
        userId: "u",
        resource: "primary",
        expiresAt: now,
        now,
      }),
    ).rejects.toThrow(/orgId/);
    await col.doc("sb-cal-malformed").set({ kind: "calendar", orgId: "org-a" });
    await expect(ledger.get("sb-cal-malformed")).rejects.toThrow(/channels\/sb-cal-malformed is malformed/);
  });
});

describe("migration of the two legacy shapes", () => {
  it("reads presence's calendar record and rewrites it in the current shape", async () => {
    const token = newChannelToken();
    await db.collection(CHANNELS_COLLECTION).doc("sb-cal-legacy").set(legacyCalendar("sb-cal-legacy", token));
    const channel = await ledger.get("sb-cal-legacy");
    expect(channel).toMatchObject({
      kind: "calendar",
      userId: "u-legacy",
      status: "active",
      expiresAt: hours(48),
    });
    expect(checkNotification(channel!, "calendar", { token, resourceId: "res-legacy" }).ok).toBe(true);
    const stored = await raw("sb-cal-legacy");
    expect(stored).toMatchObject({
      schemaVersion: CHANNEL_SCHEMA_VERSION,
      kind: "calendar",
      status: "active",
    });
    expect(stored).not.toHaveProperty("id");
  });

  it("finds directory's live channels by their old fields, and the token Google holds still matches", async () => {
    const token = newChannelToken();
    const ref = db.collection(CHANNELS_COLLECTION).doc("3f1c0b9e-0000-4000-8000-000000000001");
    await ref.set(legacyDirectory(token));
    const live = await ledger.live("directory", { orgId: "org-d" });
    expect(live).toEqual([
      expect.objectContaining({
        id: ref.id,
        kind: "directory",
        userId: null,
        resource: "users",
        status: "active",
        expiresAt: hours(6),
        createdAt: now,
      }),
    ]);
    expect(checkNotification(live[0]!, "directory", { token, resourceId: "res-dir" }).ok).toBe(true);
    const stored = (await ref.get()).data();
    expect(stored).toMatchObject({
      schemaVersion: CHANNEL_SCHEMA_VERSION,
      kind: "directory",
      status: "active",
    });
    expect(stored).not.toHaveProperty("expiration");
    // Rewritten once: found again through the current shape's query only.
    expect((await ledger.live("directory", { orgId: "org-d" })).map((c) => c.id)).toEqual([ref.id]);
  });

  it("maps directory's statuses: live without a resource id is opening, stopped keeps its TTL", async () => {
    const col = db.collection(CHANNELS_COLLECTION);
    const expireAt = hours(7 * 24);
    await col.doc("3f1c0b9e-0000-4000-8000-000000000002").set(legacyDirectory("a", { resourceId: null }));
    await col
      .doc("3f1c0b9e-0000-4000-8000-000000000003")
      .set(legacyDirectory("b", { status: "stopped", expireAt: Timestamp.fromDate(expireAt) }));
    expect(await ledger.get("3f1c0b9e-0000-4000-8000-000000000002")).toMatchObject({ status: "opening" });
    expect(await ledger.get("3f1c0b9e-0000-4000-8000-000000000003")).toMatchObject({
      status: "stopped",
      expireAt,
      stoppedAt: null,
    });
  });

  it("a change to a legacy record writes the whole record in the current shape", async () => {
    const ref = db.collection(CHANNELS_COLLECTION).doc("3f1c0b9e-0000-4000-8000-000000000004");
    await ref.set(legacyDirectory("c"));
    await ledger.markStopped(ref.id, now, "next");
    const stored = (await ref.get()).data();
    expect(stored).toMatchObject({
      schemaVersion: CHANNEL_SCHEMA_VERSION,
      kind: "directory",
      status: "stopped",
      replacedBy: "next",
    });
    expect(stored).not.toHaveProperty("expiration");
  });

  it("a migrating read never undoes a change made meanwhile", async () => {
    // The rewrite runs in a transaction that re-reads the record: whichever commits first, the stop stays.
    for (let i = 0; i < 5; i++) {
      const id = `sb-cal-race-${i}`;
      await db.collection(CHANNELS_COLLECTION).doc(id).set(legacyCalendar(id, "t"));
      await Promise.all([
        ledger.get(id),
        ledger.markStopped(id, now),
        ledger.live("calendar", { orgId: "org-a", userId: "u-legacy" }),
      ]);
      expect((await ledger.get(id))?.status).toBe("stopped");
      expect(await raw(id)).toMatchObject({ schemaVersion: CHANNEL_SCHEMA_VERSION, status: "stopped" });
    }
  });

  it("lists expiring channels of both shapes, soonest first", async () => {
    const col = db.collection(CHANNELS_COLLECTION);
    await col.doc("sb-cal-exp-legacy").set(
      legacyCalendar("sb-cal-exp-legacy", "t", {
        orgId: "org-e",
        expiresAt: Timestamp.fromDate(hours(-1000)),
      }),
    );
    const fresh = await openCalendar("u-exp", hours(-999));
    const expiring = await ledger.expiringBefore("calendar", hours(-998), 10);
    expect(expiring.map((c: WatchChannel) => c.id)).toEqual(["sb-cal-exp-legacy", fresh.id]);
  });
});
