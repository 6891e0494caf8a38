// A route's declared answer schema: published in the API description, and where checking is on (tests,
// the local stack) an answer that leaves it is a 500 `response_schema_violation` logged with the route, so
// the test that made the call fails. Off (production), the answer goes out unchecked.
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type HandlerServer, serveHandler } from "../../tools/testing/handler-server";
import { createHttpHandler, route } from "./http";
import { createLogger } from "./logger";
import { buildOpenApi } from "./openapi";

const Answer = z.object({ count: z.number().int() });
let answer: unknown = { count: 1 };
const routes = [
  route({
    method: "GET",
    path: "/v1/count",
    access: "public",
    summary: "A count",
    success: { status: 200, description: "The count", schema: Answer },
    handler: () => ({ body: answer }),
  }),
];
const lines: string[] = [];
const servers: HandlerServer[] = [];
const serve = async (checkResponses: boolean) => {
  const server = await serveHandler(
    createHttpHandler(routes, {
      maxBodyBytes: 1024,
      log: createLogger({ level: "ERROR", write: (l) => lines.push(l) }),
      checkResponses: () => checkResponses,
    }),
  );
  servers.push(server);
  return server;
};
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe("declared answer schemas", () => {
  it("are published in the API description", () => {
    const doc = buildOpenApi(routes, { title: "t", version: "1" }) as unknown as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } }
      >;
    };
    expect(doc.paths["/v1/count"]!.get.responses["200"]!.content!["application/json"]!.schema).toMatchObject({
      type: "object",
      properties: { count: { type: "integer" } },
      required: ["count"],
    });
  });

  it("turn an answer that leaves its schema into a 500 where checking is on, and let it through where off", async () => {
    const checked = await serve(true);
    const unchecked = await serve(false);
    answer = { count: 2 };
    expect(await checked.call("GET", "/v1/count")).toMatchObject({ status: 200, body: { count: 2 } });
    answer = { count: "two" };
    const refused = await checked.call("GET", "/v1/count");
    expect(refused.status).toBe(500);
    expect(lines.join("\n")).toContain("response_schema_violation on GET /v1/count: count:");
    expect(await unchecked.call("GET", "/v1/count")).toMatchObject({ status: 200, body: { count: "two" } });
  });
});
