// The HTTP layer's edges, through the real Functions Framework: hostile identifiers and encodings are a
// 400 before any handler runs, static segments beat parameters whatever the order, service routes check
// their token before the body, configured origins get CORS, every answer carries security headers, and a
// client that keeps failing authentication gets 429.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type HandlerServer, serveHandler } from "../../tools/testing/handler-server";
import { AppError } from "./errors";
import { createHttpHandler, route, WATCH_CHANNEL_HEADERS } from "./http";
import { createLogger } from "./logger";

const silent = createLogger({ write: () => {} });
let handlerRuns = 0;
let server: HandlerServer;
const ORIGIN = "https://app.example.com";

beforeAll(async () => {
  server = await serveHandler(
    createHttpHandler(
      [
        // Declared before the static route on purpose: the static one must still win.
        route({
          method: "GET",
          path: "/v1/things/:id",
          access: "public",
          summary: "One thing",
          handler: ({ params }) => {
            handlerRuns++;
            return { body: { id: params.id } };
          },
        }),
        route({
          method: "GET",
          path: "/v1/things/lookup",
          access: "public",
          summary: "Lookup",
          query: { q: { description: "what to find", maxLength: 16 } },
          handler: () => ({ body: { lookup: true } }),
        }),
        route({
          method: "POST",
          path: "/v1/push",
          access: "public",
          summary: "A push notification",
          headers: WATCH_CHANNEL_HEADERS,
          handler: () => {
            handlerRuns++;
            return { body: { ok: true } };
          },
        }),
        route({
          method: "GET",
          path: "/v1/login",
          access: "public",
          summary: "Login",
          query: { org: { description: "org id", kind: "id" } },
          handler: () => {
            handlerRuns++;
            return { body: { ok: true } };
          },
        }),
        route({
          method: "POST",
          path: "/v1/service/:id",
          access: "service",
          summary: "Service only",
          body: z.object({ n: z.number() }),
          handler: () => ({ body: { ok: true } }),
        }),
        route({
          method: "GET",
          path: "/v1/me",
          access: "user",
          summary: "Me",
          handler: () => ({ body: { me: true } }),
        }),
      ],
      {
        maxBodyBytes: 1024,
        log: silent,
        corsOrigins: () => [ORIGIN],
        failedAuthPerMinute: () => 5,
        authenticate: async (req) => {
          if (req.headers.authorization !== "Bearer good") throw new AppError("unauthenticated", "Sign in");
          return { orgId: "o", userId: "u", email: "u@o", role: "user", sessionId: "s" };
        },
        authenticateService: async (req) => {
          if (req.headers.authorization !== "Bearer service")
            throw new AppError("unauthenticated", "A service token is required");
        },
      },
    ),
  );
});
afterAll(() => server.close());

describe("the HTTP layer's edges", () => {
  it.each([
    ["%ZZ", "invalid_request"],
    ["__name__", "invalid_identifier"],
    ["a%2Fb", "invalid_identifier"],
    ["%00x", "invalid_identifier"],
    [`${"x".repeat(300)}`, "invalid_identifier"],
  ])("refuses the path parameter %s with 400 %s, before the handler runs", async (id, code) => {
    const before = handlerRuns;
    const res = await server.call("GET", `/v1/things/${id}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(handlerRuns).toBe(before);
  });

  it.each(["__x__", "..", "a/b", "x".repeat(300)])(
    "refuses the channel header %s with 400 invalid_identifier, before the handler runs",
    async (id) => {
      const before = handlerRuns;
      const res = await server.call("POST", "/v1/push", { "x-goog-channel-id": id });
      expect(res).toMatchObject({
        status: 400,
        body: {
          error: { code: "invalid_identifier", message: expect.stringContaining("x-goog-channel-id") },
        },
      });
      expect(handlerRuns).toBe(before);
      expect((await server.call("POST", "/v1/push", { "x-goog-channel-id": "ch-1" })).status).toBe(200);
    },
  );

  it.each(["__name__", ".", "%2F"])("refuses the id-valued query parameter %s with 400", async (org) => {
    const before = handlerRuns;
    const res = await server.call("GET", `/v1/login?org=${org}`);
    expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_identifier" } } });
    expect(handlerRuns).toBe(before);
  });

  it("accepts an emoji id (astral characters are whole code points)", async () => {
    const res = await server.call("GET", `/v1/things/${encodeURIComponent("☎️📞")}`);
    expect(res).toMatchObject({ status: 200, body: { id: "☎️📞" } });
  });

  it("lets a static segment win over a parameter declared before it", async () => {
    expect((await server.call("GET", "/v1/things/lookup")).body).toEqual({ lookup: true });
  });

  it("refuses an over-long query value with 400 naming the parameter", async () => {
    const res = await server.call("GET", `/v1/things/lookup?q=${"a".repeat(17)}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", details: { field: "q" } });
  });

  it("refuses a body with a lone surrogate (valid JSON, not storable text) with 400 naming the field", async () => {
    const res = await fetch(`${server.url}/v1/service/x`, {
      method: "POST",
      headers: { authorization: "Bearer service", "content-type": "application/json" },
      body: '{"n": 1, "name": {"first": "a\\ud800b"}}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "invalid_request", details: { field: "name" } },
    });
    const whole = await server.call(
      "POST",
      "/v1/service/x",
      { authorization: "Bearer service" },
      { n: 1, s: "😀" },
    );
    expect(whole.status).toBe(200);
  });

  it("checks a service route's token before reading its body", async () => {
    const noToken = await server.call("POST", "/v1/service/x", {}, { not: "valid" });
    expect(noToken).toMatchObject({ status: 401, body: { error: { code: "unauthenticated" } } });
    const ok = await server.call("POST", "/v1/service/x", { authorization: "Bearer service" }, { n: 1 });
    expect(ok.status).toBe(200);
  });

  it("answers a configured origin's preflight and tags its answers; refuses other origins", async () => {
    const preflight = await fetch(`${server.url}/v1/me`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const answer = await fetch(`${server.url}/v1/me`, {
      headers: { origin: ORIGIN, authorization: "Bearer good" },
    });
    expect(answer.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const other = await fetch(`${server.url}/v1/me`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends security headers on every answer, errors included", async () => {
    for (const path of ["/v1/things/ok", "/v1/nope"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("strict-transport-security")).toContain("max-age=");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  it("answers 429 with Retry-After once an address keeps failing authentication; a valid token still works", async () => {
    const statuses: number[] = [];
    const from = { "x-forwarded-for": "203.0.113.9" };
    for (let i = 0; i < 8; i++)
      statuses.push((await server.call("GET", "/v1/me", { ...from, authorization: "Bearer bad" })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const limited = await fetch(`${server.url}/v1/me`, { headers: { ...from, authorization: "Bearer bad" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await server.call("GET", "/v1/me", { ...from, authorization: "Bearer good" })).status).toBe(200);
  });
});
