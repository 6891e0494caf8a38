// The HTTP layer of every HTTP function: a small route table, JSON in and out, and one error mapping.
// Bad input (wrong method, content type, size, JSON or shape, a path that is not valid percent-encoding,
// an identifier the store cannot hold, an over-long query value) is a 4xx with a stable code before any
// I/O, never a 500. Every response carries security headers; configured client origins get CORS.
import { randomUUID } from "node:crypto";
import type { Request, Response } from "@google-cloud/functions-framework";
import type { z } from "zod";
import { RATE_LIMIT_DEFAULTS } from "./config";
import { AppError, toErrorResponse } from "./errors";
import { checkIdentifier, MAX_IDENTIFIER_LENGTH } from "./identifiers";
import { type Logger, logger as rootLogger, traceFromHeaders } from "./logger";
import { type RequestLimiter, requestLimiter } from "./request-limiter";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route: anyone (health, SAML, OAuth callback), any signed-in user, an org admin, or the
 * phone system itself ("service": its service token, checked before the body is read).
 */
export type Access = "public" | "user" | "admin" | "service";

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

/** A query parameter or header a route reads: how long it may be, and whether it names something by id. */
export interface QueryParam {
  description: string;
  /** Longest accepted value (default DEFAULT_QUERY_MAX). */
  maxLength?: number;
  /** "id": checked by the identifier rule (identifiers.ts). */
  kind?: "id" | "text";
}

export const DEFAULT_QUERY_MAX = 1024;
/** Longer limits for parameters that carry a list or an opaque position, whichever route reads them. */
const QUERY_MAX_BY_NAME: Record<string, number> = { cursor: 8192, pageToken: 8192, users: 200 * 300 };

/** The longest value accepted for a query parameter or header. */
export const maxLengthOf = (name: string, spec: QueryParam | undefined): number =>
  spec?.maxLength ?? QUERY_MAX_BY_NAME[name] ?? DEFAULT_QUERY_MAX;

/**
 * A per-instance request budget for a public route that checks credentials or takes pushes. Each route
 * counts its own requests per key; the per-minute figure is the configured budget it names.
 */
export interface RateLimitRule {
  budget: keyof typeof RATE_LIMIT_DEFAULTS;
  /** What one budget covers; default the client's address. */
  keyOf?: (req: Request) => string | undefined;
}

/** Sign-in, session and consent-callback routes: per client address. */
export const CREDENTIAL_RATE_LIMIT: RateLimitRule = { budget: "credentials" };

/**
 * The headers of Google's push notifications (docs/google-behaviour.md#calendar-push-channels): the
 * channel id names a stored channel, so it is held to the identifier rule; a bad one is a 400 (Google
 * does not retry 4xx) before any read.
 */
export const WATCH_CHANNEL_HEADERS: Record<string, QueryParam> = {
  "x-goog-channel-id": { description: "the watch channel's id", kind: "id" },
  "x-goog-channel-token": { description: "the channel's secret token", maxLength: 256 },
  "x-goog-resource-id": { description: "the watched resource's opaque id", maxLength: 256 },
  "x-goog-resource-state": { description: "sync, exists, not_exists, or a directory event", maxLength: 32 },
  "x-goog-message-number": { description: "the notification's number on its channel", maxLength: 32 },
};

/** Google's push notifications: per watch channel (X-Goog-Channel-ID), else per address. */
export const WEBHOOK_RATE_LIMIT: RateLimitRule = {
  budget: "webhooks",
  keyOf: (req) => {
    const channel = req.headers["x-goog-channel-id"];
    const id = Array.isArray(channel) ? channel[0] : channel;
    return id ? `channel:${id.slice(0, MAX_IDENTIFIER_LENGTH)}` : undefined;
  },
};

export interface Route<Schema extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express-like pattern: /v1/orgs/:org/users. Static segments win over parameters, whatever the order. */
  path: string;
  access: Access;
  /** The query parameters it reads (validated for length and identifiers; listed in the description). */
  query?: Record<string, QueryParam>;
  /** Request headers it reads as input (lower case; the webhooks' channel headers), checked the same way. */
  headers?: Record<string, QueryParam>;
  rateLimit?: RateLimitRule;
  /** The body's media type: JSON (default), or an HTML form post (the SAML ACS). */
  accepts?: "json" | "form";
  body?: Schema;
  /** The body may be left out (the handler then sees undefined); one sent must match `body`. */
  bodyOptional?: boolean;
  /** One line for the API description (GET /v1/openapi.json). */
  summary: string;
  /**
   * Success status and what it returns, for the API description; `schema` is the body's schema, published
   * in the description and checked against every answer where `checkResponses` is on (tests, local).
   */
  success?: { status: number; description: string; schema?: z.ZodType };
  handler(ctx: RequestContext<z.infer<Schema>>): Promise<HttpResult> | HttpResult;
}

/** Typed constructor so each route's handler sees its own body type. */
export const route = <Schema extends z.ZodType>(r: Route<Schema>): Route => r as unknown as Route;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  keys: string[];
  /** One entry per segment, 0 static and 1 parameter: the more static a route, the earlier it matches. */
  rank: number[];
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
  const rank = route.path.split("/").map((segment) => (segment.startsWith(":") ? 1 : 0));
  return { route, pattern: new RegExp(`^${source}/?$`), keys, rank };
}

/** Static segments before parameters, segment by segment from the left; declaration order otherwise. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) {
    const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface HttpHandlerOptions {
  maxBodyBytes: number;
  log?: Logger;
  /** Required when any route needs a user or an admin. */
  authenticate?: Authenticator;
  /** Required when any route is "service": throws unauthenticated unless the phone system's token is sent. */
  authenticateService?: (req: Request) => Promise<void>;
  /** Origins allowed to call from a browser (CORS); read on each request, so configuration stays lazy. */
  corsOrigins?: () => readonly string[];
  /** Failed credential checks one client address may cause a minute before it gets 429 (default 300). */
  failedAuthPerMinute?: () => number;
  /** The budgets routes' rate limits draw on (defaults RATE_LIMIT_DEFAULTS); read on each request. */
  rateLimits?: { [B in RateLimitRule["budget"]]?: () => number };
  /**
   * Checks each success body against its route's declared schema and answers 500
   * `response_schema_violation` when it leaves it, so a test fails; off in production (read per request).
   * Default: on under the test runner (NODE_ENV=test, which vitest sets), so every route test checks.
   */
  checkResponses?: () => boolean;
}

const CORS_HEADERS = "authorization, content-type, x-request-id";

/** On every response: no sniffing, no framing, HTTPS only, no referrer leaks. */
const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "referrer-policy": "no-referrer",
};

/**
 * The caller's address: the last X-Forwarded-For hop, which Google's front end appends (earlier hops are
 * whatever the client sent, so a client cannot pick its own budget), else the socket's.
 */
export function clientAddress(req: Request): string {
  const forwarded = req.headers["x-forwarded-for"];
  const last = (Array.isArray(forwarded) ? forwarded.at(-1) : forwarded)?.split(",").at(-1)?.trim();
  return (last || req.socket?.remoteAddress || "unknown").slice(0, 64);
}

function decodePathParam(key: string, raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new AppError("invalid_request", `Path parameter ${key} is not valid percent-encoding`);
  }
  return checkIdentifier(`Path parameter ${key}`, value);
}

function checkQuery(route: Route, query: URLSearchParams): void {
  for (const [name, value] of query) {
    const spec = route.query?.[name];
    const max = maxLengthOf(name, spec);
    if (value.length > max)
      throw new AppError("validation_failed", `Query parameter ${name} is longer than ${max} characters`, {
        details: { field: name },
      });
    if (spec?.kind === "id" && value !== "") checkIdentifier(`Query parameter ${name}`, value);
  }
}

function checkHeaders(route: Route, headers: Request["headers"]): void {
  for (const [name, spec] of Object.entries(route.headers ?? {})) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === "") continue;
    const max = maxLengthOf(name, spec);
    if (value.length > max)
      throw new AppError("validation_failed", `Header ${name} is longer than ${max} characters`, {
        details: { field: name },
      });
    if (spec.kind === "id") checkIdentifier(`Header ${name}`, value);
  }
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
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  // JSON answers load nothing; HTML pages (the SAML form post) set their own policy.
  if (result.text === undefined)
    res.setHeader("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
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
  const broken = brokenTextIn(req.body);
  if (broken !== undefined) {
    const where = broken === "" ? "The request body" : `Field ${broken}`;
    throw new AppError("invalid_request", `${where} has text that is not valid Unicode (a lone surrogate)`, {
      details: { field: broken },
    });
  }
  return req.body;
}

/** A lone surrogate: in "u" mode paired surrogates are one code point, so only broken ones match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The top-level field ("" for the body itself) holding a string or key with a lone surrogate, which JSON
 * allows (`"\ud800"`) but neither Firestore nor Google can store; undefined when all text is whole.
 * Iterative, so a deeply nested body cannot exhaust the stack.
 */
function brokenTextIn(body: unknown): string | undefined {
  const stack: Array<[unknown, string | undefined]> = [[body, undefined]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, top] = next;
    const fieldOf = (key: string) => top ?? key.slice(0, 64);
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) return top ?? "";
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) stack.push([item, fieldOf(String(i))]);
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return fieldOf(key);
        stack.push([item, fieldOf(key)]);
      }
    }
  }
  return undefined;
}

export function createHttpHandler(routes: Route[], options: HttpHandlerOptions) {
  const compiled = routes.map(compile).sort(bySpecificity);
  // One limiter per rate-limited route, so a flood of one sign-in route leaves the others alone.
  const limiters = new Map<Route, RequestLimiter>();
  const limiterFor = (route: Route, rule: RateLimitRule) => {
    const limiter =
      limiters.get(route) ??
      requestLimiter(options.rateLimits?.[rule.budget] ?? (() => RATE_LIMIT_DEFAULTS[rule.budget]));
    limiters.set(route, limiter);
    return limiter;
  };
  const failedAuth = requestLimiter(options.failedAuthPerMinute ?? (() => 300));
  const limit = (limiter: RequestLimiter, key: string, what: string) => {
    const taken = limiter.take(key);
    if (!taken.ok)
      throw new AppError("rate_limited", `Too many ${what}; try again in ${taken.retryAfterSeconds} s`, {
        headers: { "retry-after": String(taken.retryAfterSeconds) },
      });
  };
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = (req.headers["x-request-id"] as string | undefined)?.slice(0, 64) || randomUUID();
    const log = (options.log ?? rootLogger()).withTrace(traceFromHeaders(req.headers)).child({ requestId });
    const method = req.method.toUpperCase();
    const url = new URL(req.originalUrl || req.url, "http://local");
    const origin = typeof req.headers.origin === "string" ? req.headers.origin : undefined;
    const corsAllowed = origin !== undefined && (options.corsOrigins?.() ?? []).includes(origin);
    const corsHeaders: Record<string, string> = corsAllowed
      ? {
          "access-control-allow-origin": origin,
          "access-control-expose-headers": "x-request-id, retry-after",
          vary: "Origin",
        }
      : {};
    const address = clientAddress(req);
    try {
      try {
        decodeURI(url.pathname);
      } catch {
        throw new AppError("invalid_request", "The request path is not valid percent-encoding");
      }
      const matches = compiled
        .map((c) => ({ c, m: c.pattern.exec(url.pathname) }))
        .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
      if (matches.length === 0) throw new AppError("not_found", `No route for ${url.pathname}`);
      const allowed = [...new Set(matches.map((x) => x.c.route.method))];
      if (method === "OPTIONS") {
        // A browser's CORS preflight: only the configured client origins get an answer that lets them in.
        if (!corsAllowed)
          throw new AppError("origin_not_allowed", "This origin may not call the API from a browser");
        send(
          res,
          204,
          {
            headers: {
              ...corsHeaders,
              "access-control-allow-methods": allowed.join(", "),
              "access-control-allow-headers": CORS_HEADERS,
              "access-control-max-age": "600",
            },
          },
          requestId,
        );
        return;
      }
      const match = matches.find((x) => x.c.route.method === method);
      if (!match) {
        throw new AppError("method_not_allowed", `${method} is not allowed on ${url.pathname}`, {
          headers: { allow: allowed.join(", ") },
        });
      }
      const route = match.c.route;
      const params: Record<string, string> = {};
      match.c.keys.forEach((key, i) => {
        params[key] = decodePathParam(key, match.m[i + 1] ?? "");
      });
      checkQuery(route, url.searchParams);
      checkHeaders(route, req.headers);
      if (route.rateLimit) {
        const key = route.rateLimit.keyOf?.(req) ?? address;
        limit(limiterFor(route, route.rateLimit), key, "requests");
      }
      let principal: Principal | undefined;
      if (route.access !== "public") {
        // A client address that keeps failing authentication gets 429 instead of 401 past its budget; a
        // valid credential is never slowed by what others behind the same address did.
        try {
          if (route.access === "service") {
            if (!options.authenticateService)
              throw new Error(`Route ${route.path} is a service route but no service authenticator is set`);
            await options.authenticateService(req);
          } else {
            if (!options.authenticate)
              throw new Error(`Route ${route.path} is protected but no authenticator is set`);
            principal = await options.authenticate(req);
          }
        } catch (error) {
          if (error instanceof AppError && error.code === "unauthenticated")
            limit(failedAuth, address, "failed sign-ins");
          throw error;
        }
        if (principal) authorize(route, principal, params);
      }
      let body = BODY_METHODS.has(method)
        ? bodyOf(req, options.maxBodyBytes, route.accepts ?? "json")
        : undefined;
      const schema = route.body;
      if (schema && !(body === undefined && route.bodyOptional)) {
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
      const result = await route.handler({
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
      const declared = route.success?.schema;
      const check = options.checkResponses ?? (() => process.env.NODE_ENV === "test");
      if (declared && result.body !== undefined && check()) {
        const checked = declared.safeParse(result.body);
        if (!checked.success) {
          const issues = checked.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
          throw new Error(`response_schema_violation on ${route.method} ${route.path}: ${issues.join("; ")}`);
        }
      }
      send(
        res,
        result.status ?? 200,
        { ...result, headers: { ...corsHeaders, ...result.headers } },
        requestId,
      );
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error);
      if (status >= 500) log.error("http.failed", { path: url.pathname, method, error });
      else log.info("http.refused", { path: url.pathname, method, status, code: body.error.code });
      send(res, status, { body, headers: { ...corsHeaders, ...headers } }, requestId);
    }
  };
}
