// POST /batch/gmail/v1 (multipart/mixed, at most 100 parts): each part runs as its own request against
// the simulator (logged, charged and failing on its own) and the answer lists the parts in request order.
// Parts beyond the user's concurrent-request limit are answered 429 without running (concurrency.ts).
import { randomBytes } from "node:crypto";
import type { ApiContext, ApiResult } from "../api";
import { invalidArgument, notFound } from "../errors";
import type { SimState } from "../state";
import { admit, release, tooManyConcurrentBody } from "./concurrency";
import { gmailSettings } from "./messages-api";

/** Gmail's documented batch limit (gmail/api/guides/batch). */
export const MAX_BATCH_PARTS = 100;

/** Marks the simulator's own part requests so the route does not count them against the limit twice. */
const PART_HEADER = "x-workspace-sim-batch-part";
const nonceBySim = new WeakMap<SimState, string>();
function partNonce(state: SimState): string {
  let n = nonceBySim.get(state);
  if (!n) {
    n = randomBytes(12).toString("hex");
    nonceBySim.set(state, n);
  }
  return n;
}

/** A request the batch endpoint made for one of its parts (already admitted). */
export const isBatchPart = (ctx: ApiContext) => ctx.req.headers[PART_HEADER] === partNonce(ctx.state);

interface InnerRequest {
  contentId?: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

function parseMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts = body.split(delimiter);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith("--")) break;
    out.push(part.replace(/^\r?\n/, "").replace(/\r?\n$/, ""));
  }
  return out;
}

function splitHead(text: string): { head: string[]; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { head: text.split(/\r?\n/).filter(Boolean), body: "" };
  return { head: text.slice(0, m.index).split(/\r?\n/), body: text.slice(m.index + m[0].length) };
}

function parseInner(part: string): InnerRequest {
  const outer = splitHead(part);
  const contentId = outer.head.find((h) => /^content-id:/i.test(h))?.replace(/^content-id:\s*/i, "");
  const inner = splitHead(outer.body);
  const [requestLine, ...headerLines] = inner.head;
  const m = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d\.\d)?$/.exec((requestLine ?? "").trim());
  if (!m) throw invalidArgument("Failed to parse batch request, error: Invalid request line.", "badRequest");
  const headers: Record<string, string> = {};
  for (const h of headerLines) {
    const c = h.indexOf(":");
    if (c > 0) headers[h.slice(0, c).trim().toLowerCase()] = h.slice(c + 1).trim();
  }
  const path = m[2]!.replace(/^https?:\/\/[^/]+/, "");
  return { ...(contentId ? { contentId } : {}), method: m[1]!, path, headers, body: inner.body.trim() };
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The request-log method id of a part's path (for parts refused before they run). */
function methodOf(path: string): string {
  const p = path.split("?")[0] ?? "";
  if (/\/messages\/[^/]+$/.test(p)) return "gmail.users.messages.get";
  if (/\/messages$/.test(p)) return "gmail.users.messages.list";
  if (/\/profile$/.test(p)) return "gmail.users.getProfile";
  return "gmail.batch.part";
}

/** The Workspace user a part's bearer token belongs to, when the token is live. */
function userOf(state: SimState, authorization: string | undefined) {
  const value = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  const token = value ? state.tokens.accessToken(value) : undefined;
  if (!token?.userId || token.expiresAt <= state.now()) return undefined;
  return state.findUser(token.userId)?.user;
}

export async function batch(ctx: ApiContext): Promise<ApiResult> {
  const { state } = ctx;
  const type = ctx.req.headers["content-type"] ?? "";
  const bm = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(type);
  if (!/^multipart\/mixed/i.test(type) || !bm) throw invalidArgument("Bad Request", "badRequest");
  const parts = parseMultipart(await ctx.rawBody(), (bm[1] ?? bm[2])!.trim());
  if (parts.length === 0) throw invalidArgument("Bad Request", "badRequest");
  if (parts.length > MAX_BATCH_PARTS) {
    // Google's wire form: no errors[] and no details (GAM-team/got-your-back#256).
    return {
      status: 400,
      json: {
        error: {
          code: 400,
          message: `Inner request count exceeds the limit. Received: ${parts.length}, Limit: ${MAX_BATCH_PARTS}`,
          status: "INVALID_ARGUMENT",
        },
      },
    };
  }
  const requests = parts.map(parseInner);
  const outerAuth = ctx.req.headers.authorization;
  const limit = gmailSettings(state).concurrentRequestsPerUser;
  // Admission happens up front, in request order, before any part runs: deterministic given the load.
  const admitted = requests.map((r) => {
    const authorization = r.headers.authorization ?? outerAuth;
    const user = userOf(state, authorization);
    if (!user || !r.path.startsWith("/gmail/v1/")) return { r, authorization, user, ok: true };
    return { r, authorization, user, ok: admit(state, user.id, limit) };
  });
  const responses = await Promise.all(
    admitted.map(async ({ r, authorization, user, ok }) => {
      if (!r.path.startsWith("/gmail/v1/")) {
        return { r, status: 404, text: JSON.stringify(notFound(`No batchable route for ${r.path}`).body()) };
      }
      if (!ok) {
        state.log.record({
          at: state.now(),
          api: "gmail",
          method: methodOf(r.path),
          ...(user ? { user: user.primaryEmail } : {}),
          status: 429,
          durationMs: 0,
        });
        return { r, status: 429, text: JSON.stringify(tooManyConcurrentBody()) };
      }
      const headers: Record<string, string> = { ...r.headers, [PART_HEADER]: partNonce(state) };
      if (authorization) headers.authorization = authorization;
      try {
        const res = await fetch(`${ctx.baseUrl}${r.path}`, {
          method: r.method,
          headers,
          ...(r.body && r.method !== "GET" ? { body: r.body } : {}),
        });
        return { r, status: res.status, text: await res.text() };
      } finally {
        if (user) release(state, user.id);
      }
    }),
  );
  const boundary = `batch_${randomBytes(12).toString("base64url")}`;
  let out = "";
  for (const { r, status, text } of responses) {
    out += `--${boundary}\r\nContent-Type: application/http\r\n${r.contentId ? `Content-ID: <response-${r.contentId.replace(/^<|>$/g, "")}>\r\n` : ""}\r\n`;
    out += `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${text}\r\n`;
  }
  out += `--${boundary}--\r\n`;
  return { raw: out, contentType: `multipart/mixed; boundary=${boundary}` };
}
