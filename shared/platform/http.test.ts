// The HTTP layer inside the real Functions Framework (its body parsing, then our routing and errors).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "./errors";
import { createHttpHandler, route } from "./http";
import { replyJsonOnBodyParseErrors } from "./http-parse-errors";
import { createLogger } from "./logger";

const silent = createLogger({ write: () => {} });
const CreateNote = z.object({ title: z.string().min(1).max(20), pinned: z.boolean().default(false) });

let server: Server;
let base: string;

beforeAll(async () => {
  replyJsonOnBodyParseErrors();
  http(
    "http-layer-test",
    createHttpHandler(
      [
        route({
          method: "POST",
          path: "/v1/notes/:owner",
          access: "public",
          summary: "Create a note",
          body: CreateNote,
          handler: ({ params, body }) => ({ status: 201, body: { owner: params.owner, ...body } }),
        }),
        route({
          method: "GET",
          path: "/v1/boom",
          access: "public",
          summary: "Fails",
          handler: () => {
            throw new Error("database password is hunter2");
          },
        }),
        route({
          method: "GET",
          path: "/v1/conflict",
          access: "public",
          summary: "Refuses",
          handler: () => {
            throw new AppError("conflict", "Already connected");
          },
        }),
      ],
      { maxBodyBytes: 64, log: silent },
    ),
  );
  server = getTestServer("http-layer-test");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, body: string, type = "application/json") =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": type }, body });

describe("HTTP layer", () => {
  it("routes with path parameters and returns the validated, defaulted body", async () => {
    const res = await post("/v1/notes/ada", JSON.stringify({ title: "Call Bob" }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ owner: "ada", title: "Call Bob", pinned: false });
    expect(res.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
  });

  it("refuses a body that breaks the schema with 400 validation_failed naming each field", async () => {
    const res = await post("/v1/notes/ada", JSON.stringify({ title: "", pinned: "yes" }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: string; message: string; details: { issues: Array<{ path: string }> } };
    };
    expect(error.code).toBe("validation_failed");
    expect(error.details.issues.map((i) => i.path).sort()).toEqual(["pinned", "title"]);
    expect(error.message).toMatch(/title/);
  });

  it("refuses a missing body on a route that needs one", async () => {
    const res = await fetch(`${base}/v1/notes/ada`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
  });

  it("refuses a non-JSON content type with 415", async () => {
    const res = await post("/v1/notes/ada", "title=x", "text/plain");
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await post("/v1/notes/ada", JSON.stringify({ title: "x".repeat(100) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("refuses broken JSON with 400 invalid_json", async () => {
    const res = await post("/v1/notes/ada", '{"title":');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("maps an application error to its status and code", async () => {
    const res = await fetch(`${base}/v1/conflict`);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: "conflict", message: "Already connected" } });
  });

  it("hides the text of an unexpected error behind a generic 500", async () => {
    const res = await fetch(`${base}/v1/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: "Internal error" } });
  });
});
