// Validating reads against the Firestore emulator: a malformed stored document is a clear, non-retryable
// malformed_document error naming the path and the field (never a TypeError deep in a use case), or, in
// a scan, a skipped document with a warning.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useEmulators } from "../../tools/testing/emulator-env";
import { AppError } from "./errors";
import { converter, parseDocument, parseDocuments, parseField } from "./firestore";
import { acquireLease } from "./lease";
import { createLogger } from "./logger";
import { oneTimeRecords } from "./one-time-records";

const emulators = useEmulators("firestore-reads");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());

const Item = z.object({ name: z.string(), count: z.number() });

const malformed = (path: string) =>
  expect.objectContaining({
    code: "malformed_document",
    status: 500,
    retryable: false,
    message: expect.stringContaining(path),
  });

describe("validating Firestore reads", () => {
  it("a converter fails a malformed document with malformed_document, naming the path and the field", async () => {
    await db.doc("items/bad").set({ name: "x", count: "seven" });
    const read = db.doc("items/bad").withConverter(converter(Item)).get();
    await expect(read.then((s) => s.data())).rejects.toBeInstanceOf(AppError);
    await expect(read.then((s) => s.data())).rejects.toEqual(malformed("items/bad"));
    await expect(read.then((s) => s.data())).rejects.toThrow(/count/);
  });

  it("parseDocument: undefined when absent, the value when valid, malformed_document otherwise", async () => {
    await db.doc("items/good").set({ name: "x", count: 7, extra: true });
    expect(parseDocument(Item, await db.doc("items/none").get())).toBeUndefined();
    expect(parseDocument(Item, await db.doc("items/good").get())).toEqual({ name: "x", count: 7 });
    await db.doc("items/bad2").set({ name: 3 });
    const bad = await db.doc("items/bad2").get();
    expect(() => parseDocument(Item, bad)).toThrow(AppError);
    expect(() => parseDocument(Item, bad)).toThrow(/items\/bad2 is malformed: name: .*count/);
  });

  it("parseField reads one field of a shared document and names it when it is malformed", async () => {
    await db.doc("orgs/o1").set({ settings: { name: "a", count: 1 }, other: { name: 5 } });
    const org = await db.doc("orgs/o1").get();
    expect(parseField(Item, org, "settings")).toEqual({ name: "a", count: 1 });
    expect(parseField(Item, org, "missing")).toBeUndefined();
    expect(() => parseField(Item, org, "other")).toThrow(/orgs\/o1 \(other\) is malformed/);
  });

  it("parseDocuments skips a malformed document of a scan with a warning and keeps the rest", async () => {
    await Promise.all([
      db.doc("scan/a").set({ name: "a", count: 1 }),
      db.doc("scan/b").set({ name: "b" }),
      db.doc("scan/c").set({ name: "c", count: 3 }),
    ]);
    const lines: string[] = [];
    const log = createLogger({ level: "INFO", write: (l) => lines.push(l) });
    const docs = parseDocuments(Item, (await db.collection("scan").get()).docs, log);
    expect(docs.map((d) => d.data.name)).toEqual(["a", "c"]);
    expect(docs[0]?.path).toBe("scan/a");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      severity: "WARNING",
      path: "scan/b",
      reason: expect.stringContaining("count"),
    });
  });

  it("a malformed lease is taken over like an expired one instead of blocking its work", async () => {
    await db.doc("leases/job-x").set({ owner: "someone", expiresAt: "tomorrow" });
    const lease = await acquireLease(db, "job-x", "me", 30_000);
    expect(lease?.owner).toBe("me");
  });

  it("a malformed one-time record fails its use with malformed_document and is kept for inspection", async () => {
    const codes = oneTimeRecords(db, "codes", z.object({ userId: z.string() }), 60_000);
    const id = await codes.create({ userId: "u1" });
    expect(await codes.consume(id)).toEqual({ userId: "u1" });
    expect(await codes.consume(id)).toBeUndefined();
    const bad = await codes.create({ userId: "u2" });
    const [doc] = (await db.collection("codes").get()).docs;
    await doc?.ref.update({ data: { userId: 42 } });
    await expect(codes.consume(bad)).rejects.toEqual(malformed("codes/"));
    expect((await db.collection("codes").get()).size).toBe(1);
  });
});
