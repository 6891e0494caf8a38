// The HTTP layer of every HTTP function: a small route table, JSON in and out, and one error mapping.
// Bad input (wrong method, content type, size, JSON or shape) is a 4xx with a stable code, never a 500.
import { randomUUID } from "node:crypto";
import type { Request, Response } from "@google-cloud/functions-framework";
import type { z } from "zod";
import { AppError, toErrorResponse } from "./errors";
import { type Logger, logger as rootLogger, traceFromHeaders } from "./logger";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Who may call a route: anyone (health, SAML, OAuth callback), any signed-in user, or an org admin. */
export type Access = "public" | "user" | "admin";

/** The signed-in caller, from a verified session access token. */
export interface Principal {
  orgId: string;
  userId: string;
  email: string;
  role: "user" | "admin";
  sessionId: string;
}

/** Verifies the request's credentials; throws AppError("unauthenticated") when they are missing or bad. */
export type Authenticator = (req: Request) => Promise<Principal>;

export interface RequestContext<Body = unknown> {
  method: Method;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Request["headers"];
  body: Body;
  requestId: string;
  log: Logger;
  raw: Request;
  /** Set on every route whose access is not "public". */
  principal: Principal | undefined;
}

/** The caller of a protected route (the handler layer guarantees it is set there). */
export function principalOf(ctx: Pick<RequestContext, "principal">): Principal {
  if (!ctx.principal) throw new AppError("unauthenticated", "Sign in first");
  return ctx.principal;
}

export interface HttpResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Redirects and HTML pages answer with text, not JSON. */
  text?: string;
}

export interface Route<Schema extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express-like pattern: /v1/orgs/:org/users. */
  path: string;
  access: Access;
  /** The body's media type: JSON (default), or an HTML form post (the SAML ACS). */
  accepts?: "json" | "form";
  body?: Schema;
  /** One line for the API description (GET /v1/openapi.json). */
  summary: string;
  /** Success status and what it returns, for the API description. */
  success?: { status: number; description: string };
  handler(ctx: RequestContext<z.infer<Schema>>): Promise<HttpResult> | HttpResult;
}

/** Typed constructor so each route's handler sees its own body type. */
export const route = <Schema extends z.ZodType>(r: Route<Schema>): Route => r as unknown as Route;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      keys.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}/?$`), keys };
}

export interface HttpHandlerOptions {
  maxBodyBytes: number;
  log?: Logger;
  /** Required when any route is not public. */
  authenticate?: Authenticator;
}

/**
 * Every protected route is scoped: a `:org` in its path must be the caller's org, and a `:user` must be
 * the caller, unless the caller is an admin of that org. One user never reaches another's data.
 */
export function authorize(
  route: Pick<Route, "access">,
  principal: Principal,
  params: Record<string, string>,
): void {
  if (route.access === "admin" && principal.role !== "admin") {
    throw new AppError("forbidden", "This action needs an organisation admin");
  }
  if (params.org !== undefined && params.org !== principal.orgId) {
    throw new AppError("forbidden", "That organisation is not yours");
  }
  if (params.user !== undefined && params.user !== principal.userId && principal.role !== "admin") {
    throw new AppError("forbidden", "That user's data is not yours");
  }
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

function send(res: Response, status: number, result: HttpResult, requestId: string) {
  res.status(status);
  res.setHeader("x-request-id", requestId);
  res.setHeader("cache-control", "no-store");
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.text !== undefined) {
    res.send(result.text);
  } else if (result.body === undefined) {
    res.end();
  } else {
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.send(JSON.stringify(result.body));
  }
}

const MEDIA_TYPES = { json: "application/json", form: "application/x-www-form-urlencoded" } as const;

function bodyOf(req: Request, maxBodyBytes: number, accepts: "json" | "form"): unknown {
  const size = req.rawBody?.length ?? 0;
  if (size > maxBodyBytes) {
    throw new AppError("payload_too_large", `Request body is ${size} bytes; the limit is ${maxBodyBytes}`);
  }
  if (size === 0) return undefined;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== MEDIA_TYPES[accepts]) {
    throw new AppError(
      "unsupported_media_type",
      `Content-Type must be ${MEDIA_TYPES[accepts]}, not ${type || "missing"}`,
    );
  }
  return req.body;
}

export function createHttpHandler(routes: Route[], options: HttpHandlerOptions) {
  const compiled = routes.map(compile);
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = (req.headers["x-request-id"] as string | undefined)?.slice(0, 64) || randomUUID();
    const log = (options.log ?? rootLogger()).withTrace(traceFromHeaders(req.headers)).child({ requestId });
    const method = req.method.toUpperCase();
    const url = new URL(req.originalUrl || req.url, "http://local");
    try {
      const matches = compiled
        .map((c) => ({ c, m: c.pattern.exec(url.pathname) }))
        .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
      if (matches.length === 0) throw new AppError("not_found", `No route for ${url.pathname}`);
      const match = matches.find((x) => x.c.route.method === method);
      if (!match) {
        const allow = [...new Set(matches.map((x) => x.c.route.method))].join(", ");
        throw new AppError("method_not_allowed", `${method} is not allowed on ${url.pathname}`, {
          headers: { allow },
        });
      }
      const params: Record<string, string> = {};
      match.c.keys.forEach((key, i) => {
        params[key] = decodeURIComponent(match.m[i + 1] ?? "");
      });
      let principal: Principal | undefined;
      if (match.c.route.access !== "public") {
        if (!options.authenticate)
          throw new Error(`Route ${match.c.route.path} is protected but no authenticator is set`);
        principal = await options.authenticate(req);
        authorize(match.c.route, principal, params);
      }
      let body = BODY_METHODS.has(method)
        ? bodyOf(req, options.maxBodyBytes, match.c.route.accepts ?? "json")
        : undefined;
      const schema = match.c.route.body;
      if (schema) {
        if (body === undefined) throw new AppError("invalid_request", "A JSON request body is required");
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
          const summary = issues.map((i) => `${i.path || "body"}: ${i.message}`).join("; ");
          throw new AppError("validation_failed", `Invalid request body: ${summary}`, {
            details: { issues },
          });
        }
        body = parsed.data;
      }
      const result = await match.c.route.handler({
        method: method as Method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers: req.headers,
        body,
        requestId,
        log: principal ? log.child({ orgId: principal.orgId, userId: principal.userId }) : log,
        raw: req,
        principal,
      });
      send(res, result.status ?? 200, result, requestId);
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error);
      if (status >= 500) log.error("http.failed", { path: url.pathname, method, error });
      else log.info("http.refused", { path: url.pathname, method, status, code: body.error.code });
      send(res, status, { body, headers }, requestId);
    }
  };
}
