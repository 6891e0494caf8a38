// The audit route over real HTTP with the Firestore emulator: it pages with `cursor` (and still with its
// older `pageToken`, and the cursors it issued before), and refuses a cursor it did not issue with a 400
// invalid_cursor naming the parameter.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useEmulators } from "../../tools/testing/emulator-env";
import { type HandlerServer, serveHandler } from "../../tools/testing/handler-server";
import { silentLog } from "../identity/test/identity-test-support";
import { createHttpHandler } from "../platform/http";
import { pageCursor } from "../platform/page-cursor";
import type { AuditEvent } from "./audit-event";
import { firestoreAuditRepository } from "./audit-repository";
import { auditRoutes } from "./audit-routes";

const emulators = useEmulators("auditroutes");
const ORG = "org-audit";
let db: Firestore;
let server: HandlerServer;

const event = (i: number): AuditEvent => ({
  id: `e-${String(i).padStart(3, "0")}`,
  orgId: ORG,
  action: "integration.disconnected",
  outcome: "success",
  actor: { type: "user", id: "u-1" },
  occurredAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
});

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  const audit = firestoreAuditRepository(db);
  for (let i = 0; i < 5; i++) await audit.store(event(i));
  server = await serveHandler(
    createHttpHandler(auditRoutes({ audit }), {
      maxBodyBytes: 64 * 1024,
      log: silentLog,
      authenticate: async () => ({ orgId: ORG, userId: "admin", email: "", role: "admin", sessionId: "s" }),
    }),
  );
});
afterAll(async () => {
  await server?.close();
  await db?.terminate();
});

const list = (query: string) => server.call("GET", `/v1/admin/audit?${query}`);
const ids = (body: { events: Array<{ id: string }> }) => body.events.map((e) => e.id);

describe("GET /v1/admin/audit", () => {
  it("pages newest first with `cursor` until nextCursor is null", async () => {
    const first = await list("pageSize=2");
    expect(first.status).toBe(200);
    expect(ids(first.body)).toEqual(["e-004", "e-003"]);
    const second = await list(`pageSize=2&cursor=${first.body.nextCursor}`);
    expect(ids(second.body)).toEqual(["e-002", "e-001"]);
    const last = await list(`pageSize=2&cursor=${second.body.nextCursor}`);
    expect(ids(last.body)).toEqual(["e-000"]);
    expect(last.body.nextCursor).toBeNull();
    expect(last.body).not.toHaveProperty("nextPageToken");
  });

  it("still pages with the older pageToken parameter and response field, and reads the tokens it issued before", async () => {
    const first = await list("pageSize=2");
    expect(first.body.nextPageToken).toBe(first.body.nextCursor);
    expect(ids((await list(`pageSize=2&pageToken=${first.body.nextPageToken}`)).body)).toEqual([
      "e-002",
      "e-001",
    ]);
    // The format before: base64url of [millis, id] of the last event shown.
    const before = Buffer.from(JSON.stringify([Date.parse(event(3).occurredAt), "e-003"])).toString(
      "base64url",
    );
    expect(ids((await list(`pageSize=2&pageToken=${before}`)).body)).toEqual(["e-002", "e-001"]);
  });

  it("refuses a cursor it did not issue with 400 invalid_cursor naming the parameter", async () => {
    const other = pageCursor("contacts", z.string()).encode("ann\u0000c-1");
    const edited = Buffer.from(JSON.stringify({ v: 1, k: "audit", p: { at: "soon", id: "e-1" } })).toString(
      "base64url",
    );
    for (const [parameter, text] of [
      ["cursor", "not-a-cursor"],
      ["cursor", other],
      ["pageToken", edited],
    ] as const) {
      const res = await list(`${parameter}=${text}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_cursor", details: { parameter } });
      expect(res.body.error.message).toMatch(new RegExp(`^${parameter}: `));
    }
  });
});
