import { Validator } from "@seriousme/openapi-schema-validator";
// The bundled api function under the real Functions Framework, over real HTTP, with the Firestore emulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningFunction, startFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import { loadManifest } from "../manifest";

const emulators = useEmulators("api");
const spec = loadManifest().functions.find((f) => f.name === "api")!;
let api: RunningFunction;
let broken: RunningFunction;

beforeAll(async () => {
  [api, broken] = await Promise.all([
    startFunction(spec, { env: { ...emulators.env, SWITCHBOARD_ENV: "test" } }),
    // Misconfigured: the project id is malformed and Firestore points at a closed port.
    startFunction(spec, {
      env: { GOOGLE_CLOUD_PROJECT: "X", FIRESTORE_EMULATOR_HOST: "127.0.0.1:9", SECRETS_BACKEND: "local" },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([api?.stop(), broken?.stop()]);
});

describe("api function", () => {
  it("answers liveness", async () => {
    const res = await fetch(`${api.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("is ready when configuration is valid and Firestore answers", async () => {
    const res = await fetch(`${api.url}/readyz`);
    expect(await res.json()).toMatchObject({ status: "ready", checks: { config: "ok", firestore: "ok" } });
    expect(res.status).toBe(200);
  });

  it("is not ready, naming every bad variable and the unreachable store, when misconfigured", async () => {
    const res = await fetch(`${broken.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      error: { code: string; details: { checks: Record<string, string> } };
    };
    expect(body.error.code).toBe("not_ready");
    expect(body.error.details.checks.config).toMatch(/GOOGLE_CLOUD_PROJECT/);
    expect(body.error.details.checks.config).toMatch(/LOCAL_SECRETS_FILE/);
    expect(body.error.details.checks.firestore).toMatch(/unreachable/);
  });

  it("serves an OpenAPI 3.1 description that lists its routes", async () => {
    const res = await fetch(`${api.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/healthz", "/readyz", "/v1/openapi.json"]),
    );
    expect(doc.paths["/readyz"]?.get).toMatchObject({ summary: expect.stringContaining("Readiness") });
  });

  it("describes itself validly (OpenAPI 3.1 schema), with every query parameter a route reads", async () => {
    const doc = (await (await fetch(`${api.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    const result = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const queryOf = (path: string, method: string) =>
      (doc.paths[path]?.[method]?.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    expect(queryOf("/v1/contacts/search", "get")).toEqual(["q", "limit"]);
    expect(queryOf("/v1/contacts/lookup", "get")).toEqual(["phone"]);
    expect(queryOf("/v1/presence", "get")).toEqual(["users"]);
    expect(queryOf("/v1/contacts", "get")).toEqual(["kind", "limit", "cursor"]);
  });

  it("answers an unknown path with a JSON 404", async () => {
    const res = await fetch(`${api.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("answers a wrong method with 405 and the allowed ones", async () => {
    const res = await fetch(`${api.url}/healthz`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });

  it("refuses a broken JSON body with 400 invalid_json in the API's error shape, not Express's HTML page", async () => {
    const res = await fetch(`${api.url}/healthz`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toEqual({
      error: { code: "invalid_json", message: "Request body is not valid JSON" },
    });
  });
});
