// The API description, generated from the route table itself, so it cannot drift from what is served.
import { z } from "zod";
import { ErrorCodes } from "./errors";
import { maxLengthOf, type Route } from "./http";
import { MAX_IDENTIFIER_LENGTH } from "./identifiers";

const ErrorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ErrorCodes) },
        message: { type: "string" },
        details: { type: "object" },
      },
    },
  },
};

const errorRef = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** The error answers a route can give, from what it checks (every one in the Error shape). */
function errorResponses(r: Route): Record<string, unknown> {
  const hasParams = r.path.includes(":");
  const responses: Record<string, unknown> = {};
  if (hasParams || r.query || r.body)
    responses["400"] = errorRef("Bad input: a malformed identifier, query value or body (the code names it)");
  if (r.access !== "public") responses["401"] = errorRef("Missing, invalid or expired credentials");
  if (r.access === "admin" || hasParams)
    responses["403"] = errorRef("Not allowed for this caller or organisation");
  if (hasParams) responses["404"] = errorRef("No such resource in your organisation");
  if (r.access !== "public" || r.rateLimit)
    responses["429"] = errorRef("Too many requests or failed credentials: retry after Retry-After seconds");
  return responses;
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

export function buildOpenApi(routes: Route[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = toOpenApiPath(r.path);
    const described = (where: "query" | "header", params: Route["query"]) =>
      Object.entries(params ?? {}).map(([name, p]) => ({
        name,
        in: where,
        description: p.description,
        schema: {
          type: "string",
          maxLength:
            p.kind === "id" ? Math.min(maxLengthOf(name, p), MAX_IDENTIFIER_LENGTH) : maxLengthOf(name, p),
          // An id: checked by the identifier rule (shared/platform/identifiers.ts).
          ...(p.kind === "id" ? { format: "identifier" } : {}),
        },
      }));
    const parameters = [
      ...[...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
        name: m[1],
        in: "path",
        required: true,
        schema: { type: "string", maxLength: MAX_IDENTIFIER_LENGTH, format: "identifier" },
      })),
      ...described("query", r.query),
      ...described("header", r.headers),
    ];
    const success = r.success ?? { status: 200, description: "OK" };
    const operation: Record<string, unknown> = {
      summary: r.summary,
      // Who may call it: public, user (any signed-in user of the org), admin, or service (the phone system).
      "x-access": r.access,
      ...(r.access === "public"
        ? {}
        : { security: [r.access === "service" ? { service: [] } : { session: [] }] }),
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
      responses: {
        [String(success.status)]: {
          description: success.description,
          ...(success.schema
            ? {
                content: {
                  "application/json": {
                    schema: z.toJSONSchema(success.schema, { io: "output", unrepresentable: "any" }),
                  },
                },
              }
            : {}),
        },
        ...errorResponses(r),
        default: {
          description: "Error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
    if (parameters.length > 0) operation.parameters = parameters;
    if (r.body) {
      operation.requestBody = {
        required: !r.bodyOptional,
        content: {
          [r.accepts === "form" ? "application/x-www-form-urlencoded" : "application/json"]: {
            schema: z.toJSONSchema(r.body, { io: "input", unrepresentable: "any" }),
          },
        },
      };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[r.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: { Error: ErrorBody },
      securitySchemes: {
        session: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        service: {
          type: "http",
          scheme: "bearer",
          description: "The phone system's service token (Secret Manager telephony-service-token)",
        },
      },
    },
  };
}
