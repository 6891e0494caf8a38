// The presence routes in-process against the Firestore emulator: manual DND (never overwritten by the
// calendar), telephony call state behind a constant-time shared-secret bearer (stale and foreign reports
// ignored), batch limits, and presence-changed on every visible change.
import { randomBytes } from "node:crypto";
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { type HandlerServer, serveHandler } from "../../tools/testing/handler-server";
import { memorySecrets, recordingPublisher, silentLog } from "../identity/test/identity-test-support";
import { createHttpHandler } from "../platform/http";
import { telephonyServiceAuthenticator } from "../platform/service-token";
import { firestoreCalendarStore } from "./calendar-store";
import { PRESENCE_CHANGED_TOPIC } from "./presence-messages";
import { firestorePresenceRepository } from "./presence-repository";
import { presenceRoutes, TELEPHONY_SECRET } from "./presence-routes";

const emulators = useEmulators("presroutes");
const ORG = "org-acme";
const SECRET = randomBytes(32).toString("base64url");
let db: Firestore;
const publisher = recordingPublisher();
let server: HandlerServer;

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  const presence = firestorePresenceRepository({
    db,
    calendar: firestoreCalendarStore(db),
    publisher,
    clock: () => new Date(),
    log: silentLog,
  });
  const handler = createHttpHandler(presenceRoutes({ presence }), {
    maxBodyBytes: 64 * 1024,
    authenticateService: telephonyServiceAuthenticator(() => memorySecrets({ [TELEPHONY_SECRET]: SECRET })),
    log: silentLog,
    authenticate: async (req) => {
      const [orgId, userId] = String(req.headers["x-test-principal"] ?? "").split("/");
      return { orgId: orgId!, userId: userId!, email: "", role: "user", sessionId: "s" };
    },
  });
  server = await serveHandler(handler);
  // These users' calendars are connected and synced (empty): free time shows as available.
  for (const user of ["u-dora", "u-cal"])
    await db
      .doc(`orgs/${ORG}/users/${user}/cursors/calendar`)
      .set({ timeZone: "Etc/UTC", lastSyncAt: new Date() });
});
afterAll(async () => {
  await server?.close();
  await db?.terminate();
});

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  server.call(method, path, headers, body);

const me = (user: string) => ({ "x-test-principal": `${ORG}/${user}` });
const telephony = (token = SECRET) => ({ authorization: `Bearer ${token}` });
const changesFor = (userId: string) =>
  publisher.messages.filter(
    (m) => m.topic === PRESENCE_CHANGED_TOPIC && (m.payload as { userId: string }).userId === userId,
  );

describe("PUT /v1/presence/me", () => {
  it("sets a manual DND with an end, and clears it", async () => {
    const until = new Date(Date.now() + 3600_000).toISOString();
    const set = await call("PUT", "/v1/presence/me", me("u-dora"), { state: "dnd", until });
    expect(set).toMatchObject({ status: 200, body: { state: "dnd", reason: "manual_dnd", until } });
    const cleared = await call("PUT", "/v1/presence/me", me("u-dora"), { state: "auto" });
    expect(cleared.body).toMatchObject({ state: "available" });
    expect(changesFor("u-dora").map((m) => (m.payload as { state: string }).state)).toEqual([
      "dnd",
      "available",
    ]);
  });

  it("says unknown (not available) once a DND ends for someone whose calendar Switchboard cannot see", async () => {
    await call("PUT", "/v1/presence/me", me("u-hal"), { state: "dnd" });
    const cleared = await call("PUT", "/v1/presence/me", me("u-hal"), { state: "auto" });
    expect(cleared.body).toMatchObject({ state: "unknown", reason: "calendar_not_connected", until: null });
  });

  it("refuses an end in the past and an unknown state", async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    expect((await call("PUT", "/v1/presence/me", me("u-dora"), { state: "dnd", until: past })).status).toBe(
      400,
    );
    expect((await call("PUT", "/v1/presence/me", me("u-dora"), { state: "busy" })).status).toBe(400);
  });
});

describe("POST /v1/presence/:user/call-state (telephony, shared-secret bearer)", () => {
  const body = (state: "on_call" | "idle", callId: string, at: Date) => ({
    orgId: ORG,
    state,
    callId,
    at: at.toISOString(),
  });

  it("refuses an org id the store reserves with 400 invalid_identifier", async () => {
    const res = await call("POST", "/v1/presence/u-cal/call-state", telephony(), {
      ...body("on_call", "c1", new Date()),
      orgId: "__x__",
    });
    expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_identifier" } } });
  });

  it("refuses a missing or wrong service token and changes nothing", async () => {
    const t = new Date();
    expect((await call("POST", "/v1/presence/u-cal/call-state", {}, body("on_call", "c1", t))).status).toBe(
      401,
    );
    expect(
      (await call("POST", "/v1/presence/u-cal/call-state", telephony(`${SECRET}x`), body("on_call", "c1", t)))
        .status,
    ).toBe(401);
    expect(changesFor("u-cal")).toEqual([]);
  });

  it("shows on a call, ignores a stale report and another call's end, then clears", async () => {
    const t0 = new Date(Date.now() - 10_000);
    const on = await call("POST", "/v1/presence/u-cal/call-state", telephony(), body("on_call", "c1", t0));
    expect(on.body).toMatchObject({ state: "on_call", reason: "call" });
    // An older report arriving late (reordered) is ignored.
    const stale = await call(
      "POST",
      "/v1/presence/u-cal/call-state",
      telephony(),
      body("idle", "c1", new Date(t0.getTime() - 5000)),
    );
    expect(stale.body.state).toBe("on_call");
    // The end of a different call does not end this one.
    const other = await call(
      "POST",
      "/v1/presence/u-cal/call-state",
      telephony(),
      body("idle", "c0", new Date()),
    );
    expect(other.body.state).toBe("on_call");
    const idle = await call(
      "POST",
      "/v1/presence/u-cal/call-state",
      telephony(),
      body("idle", "c1", new Date()),
    );
    expect(idle.body.state).toBe("available");
  });

  it("a manual DND outranks a call", async () => {
    await call("PUT", "/v1/presence/me", me("u-erik"), { state: "dnd" });
    const on = await call(
      "POST",
      "/v1/presence/u-erik/call-state",
      telephony(),
      body("on_call", "c7", new Date()),
    );
    expect(on.body.state).toBe("dnd");
  });
});

describe("GET /v1/presence", () => {
  it("answers a batch in order, a user without a visible calendar or without presence as unknown, and refuses more than 200", async () => {
    await call("PUT", "/v1/presence/me", me("u-fay"), { state: "dnd" });
    const res = await call("GET", "/v1/presence?users=u-fay,u-nobody", me("u-gus"));
    expect(res.body.presence).toEqual([
      { orgId: ORG, userId: "u-fay", state: "dnd", reason: "manual_dnd", until: null },
      { orgId: ORG, userId: "u-nobody", state: "unknown", reason: "unknown", until: null },
    ]);
    const many = Array.from({ length: 201 }, (_, i) => `u-${i}`).join(",");
    expect((await call("GET", `/v1/presence?users=${many}`, me("u-gus"))).status).toBe(400);
    expect((await call("GET", "/v1/presence", me("u-gus"))).status).toBe(400);
    expect((await call("GET", "/v1/presence?users=a/b/c", me("u-gus"))).status).toBe(400);
  });

  it.each(["__x__", "..", `u-ok,${ORG}/__name__`, "__o__/u-ok"])(
    "refuses %s in users with 400 invalid_identifier before reading",
    async (users) => {
      const res = await call("GET", `/v1/presence?users=${encodeURIComponent(users)}`, me("u-gus"));
      expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_identifier" } } });
    },
  );
});

describe("the sweep's due users", () => {
  it("skips a malformed presence document with a warning and still returns the others", async () => {
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const presence = firestorePresenceRepository({
      db,
      calendar: firestoreCalendarStore(db),
      publisher,
      clock: () => new Date(),
      log: { ...silentLog, warn: (_event, fields) => warnings.push(fields) },
    });
    const due = new Date("1999-12-31T00:00:00Z");
    await db.doc("orgs/org-old/presence/ok").set({ orgId: "org-old", userId: "ok", nextTransitionAt: due });
    await db.doc("orgs/org-old/presence/bad").set({ orgId: "org-old", userId: 5, nextTransitionAt: due });
    expect(await presence.due(new Date("2000-01-01T00:00:00Z"), 10)).toEqual([
      { orgId: "org-old", userId: "ok" },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ path: "orgs/org-old/presence/bad" })]);
  });
});
