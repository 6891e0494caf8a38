// users.messages.list / users.messages.get / users.getProfile, with Gmail's quota units and the
// gmail.metadata scope restrictions. The batch endpoint is batch.ts, the concurrency limit concurrency.ts.
import { randomBytes } from "node:crypto";
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import type { SimState } from "../state";
import { matchesGmail, mentionsSpamTrash, parseGmailQuery } from "./query";
import { formatAddress, type GmailMessage, mailbox, rfc2822, snippetOf } from "./store";

const G = "https://www.googleapis.com/auth/";
export const GMAIL_SCOPES = {
  full: "https://mail.google.com/",
  modify: `${G}gmail.modify`,
  readonly: `${G}gmail.readonly`,
  metadata: `${G}gmail.metadata`,
} as const;

export interface GmailSettings {
  /** Quota units per user per minute (gmail/api/reference/quota now shows 6,000). null = unlimited. */
  unitsPerUserPerMinute: number | null;
  /** Requests a user may have in flight (batch parts included); beyond → per-part 429. null = unlimited. */
  concurrentRequestsPerUser: number | null;
  /** Quota units per OAuth client (project) per minute (Google: 1,200,000). */
  unitsPerProjectPerMinute: number | null;
  /** Status of the per-user over-quota answer. */
  rateLimitStatus: 429 | 403;
  /** Units per method (Google's table: list 5, get 5, getProfile 1). */
  units: Record<string, number>;
}

const settingsBySim = new WeakMap<SimState, GmailSettings>();
export function gmailSettings(state: SimState): GmailSettings {
  let s = settingsBySim.get(state);
  if (!s) {
    s = {
      unitsPerUserPerMinute: 6_000,
      concurrentRequestsPerUser: 25,
      unitsPerProjectPerMinute: 1_200_000,
      rateLimitStatus: 429,
      units: {
        "gmail.users.messages.list": 5,
        "gmail.users.messages.get": 5,
        "gmail.users.getProfile": 1,
        "gmail.users.threads.get": 10,
      },
    };
    settingsBySim.set(state, s);
  }
  return s;
}

export function chargeGmail(ctx: ApiContext, method: string): void {
  const { state } = ctx;
  const s = gmailSettings(state);
  const units = s.units[method] ?? 5;
  const now = state.now();
  const who = ctx.caller?.user?.id ?? ctx.caller?.token.serviceAccount ?? "anonymous";
  const retryAfter = new Date((Math.floor(now / 60_000) + 1) * 60_000).toISOString();
  if (
    !state.quotas.tryCharge(
      `${ctx.caller?.token.clientId ?? "none"}|gmail.project`,
      units,
      s.unitsPerProjectPerMinute,
      now,
    )
  ) {
    throw new ApiError({
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      message:
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'gmail.googleapis.com'.",
      reason: "rateLimitExceeded",
      domain: "usageLimits",
      infoReason: "RATE_LIMIT_EXCEEDED",
      infoMetadata: { service: "gmail.googleapis.com" },
    });
  }
  if (!state.quotas.tryCharge(`${who}|gmail`, units, s.unitsPerUserPerMinute, now)) {
    throw new ApiError({
      code: s.rateLimitStatus,
      status: s.rateLimitStatus === 429 ? "RESOURCE_EXHAUSTED" : "PERMISSION_DENIED",
      message:
        s.rateLimitStatus === 429
          ? `User-rate limit exceeded.  Retry after ${retryAfter}`
          : "User Rate Limit Exceeded",
      reason: "userRateLimitExceeded",
      domain: "usageLimits",
      infoReason: "RATE_LIMIT_EXCEEDED",
      infoMetadata: { service: "gmail.googleapis.com", quota_limit: "QueriesPerMinutePerUser" },
      ...(s.rateLimitStatus === 429 ? { headers: { "retry-after": "60" } } : {}),
    });
  }
}

/**
 * gmail.metadata anywhere in the token restricts it, even beside broader scopes
 * (googleapis/google-api-python-client#582, googleworkspace/cli#104, bytechefhq/bytechef#5394).
 */
const holdsMetadataScope = (ctx: ApiContext) =>
  (ctx.caller?.token.scopes ?? []).includes(GMAIL_SCOPES.metadata);

const forbidden = (message: string) =>
  new ApiError({ code: 403, status: "PERMISSION_DENIED", message, reason: "forbidden" });

/** "me" or the caller's own address; anyone else's mailbox is "Delegation denied". */
function ownMailbox(ctx: ApiContext): string {
  const { user } = callerUser(ctx);
  const userId = ctx.params.userId!;
  if (userId !== "me" && userId.toLowerCase() !== user.primaryEmail)
    throw forbidden(`Delegation denied for ${user.primaryEmail}`);
  return user.primaryEmail;
}

interface ListPage {
  owner: string;
  ids: string[];
  offset: number;
  key: string;
}
const pagesBySim = new WeakMap<SimState, Map<string, ListPage>>();
function pages(state: SimState): Map<string, ListPage> {
  let p = pagesBySim.get(state);
  if (!p) {
    p = new Map();
    pagesBySim.set(state, p);
  }
  return p;
}

export function listMessages(ctx: ApiContext): ApiResult {
  const email = ownMailbox(ctx);
  const q = ctx.url.searchParams;
  const query = q.get("q");
  // Even an empty q is refused (users.messages/list: "cannot be used when accessing the api using the
  // gmail.metadata scope").
  if (query !== null && holdsMetadataScope(ctx))
    throw forbidden("Metadata scope does not support 'q' parameter");
  const rawMax = q.get("maxResults");
  let maxResults = 100;
  if (rawMax !== null) {
    maxResults = Number(rawMax);
    if (!Number.isInteger(maxResults) || maxResults < 0)
      throw invalidArgument(
        `Invalid value '${rawMax}'. Values must be within the range: [0, 500]`,
        "invalid",
      );
    maxResults = Math.min(maxResults || 100, 500);
  }
  const includeSpamTrash = q.get("includeSpamTrash") === "true";
  const labelIds = q.getAll("labelIds");
  const key = JSON.stringify([query, includeSpamTrash, labelIds]);
  const box = mailbox(ctx.state, email);
  const token = q.get("pageToken");
  let ids: string[];
  let offset = 0;
  if (token) {
    const page = pages(ctx.state).get(token);
    if (!page || page.owner !== email || page.key !== key)
      throw invalidArgument("Invalid pageToken", "invalid");
    ids = page.ids;
    offset = page.offset;
  } else {
    const node = query ? parseGmailQuery(query) : undefined;
    const allowSpamTrash =
      includeSpamTrash ||
      (node !== undefined && mentionsSpamTrash(node)) ||
      labelIds.some((l) => l === "SPAM" || l === "TRASH");
    const now = ctx.state.now();
    const matchCtx = { me: email, now, userLabelId: (name: string) => box.labels.get(name.toLowerCase()) };
    ids = box
      .newestFirst()
      .filter(
        (m) =>
          (allowSpamTrash || (!m.labelIds.has("SPAM") && !m.labelIds.has("TRASH"))) &&
          labelIds.every((l) => m.labelIds.has(l)) &&
          (!node || matchesGmail(node, m, matchCtx)),
      )
      .map((m) => m.id);
  }
  const slice = ids.slice(offset, offset + maxResults);
  const out: Record<string, unknown> = {};
  if (slice.length > 0) {
    out.messages = slice.map((id) => ({ id, threadId: box.messages.get(id)?.threadId ?? id }));
  }
  if (offset + maxResults < ids.length) {
    const next = randomBytes(10).readBigUInt64BE().toString();
    pages(ctx.state).set(next, { owner: email, ids, offset: offset + maxResults, key });
    out.nextPageToken = next;
  }
  out.resultSizeEstimate = ids.length;
  return { json: out };
}

function headersOf(m: GmailMessage): Array<{ name: string; value: string }> {
  return [
    { name: "Delivered-To", value: m.to[0]?.email ?? "" },
    { name: "MIME-Version", value: "1.0" },
    { name: "Date", value: rfc2822(m.internalDate) },
    { name: "Message-ID", value: m.messageIdHeader },
    { name: "Subject", value: m.subject },
    { name: "From", value: formatAddress(m.from) },
    { name: "To", value: m.to.map(formatAddress).join(", ") },
    ...(m.cc.length > 0 ? [{ name: "Cc", value: m.cc.map(formatAddress).join(", ") }] : []),
    { name: "Content-Type", value: 'text/plain; charset="UTF-8"' },
  ];
}

function rawOf(m: GmailMessage): string {
  const text = `${headersOf(m)
    .map((h) => `${h.name}: ${h.value}`)
    .join("\r\n")}\r\n\r\n${m.body}`;
  return Buffer.from(text).toString("base64url");
}

export function getMessage(ctx: ApiContext): ApiResult {
  const email = ownMailbox(ctx);
  const q = ctx.url.searchParams;
  const format = (q.get("format") ?? "full").toLowerCase();
  if (!["full", "metadata", "minimal", "raw"].includes(format))
    throw invalidArgument(`Invalid value at 'format' (${format})`, "invalid");
  if ((format === "full" || format === "raw") && holdsMetadataScope(ctx))
    throw forbidden(`Metadata scope doesn't allow format ${format.toUpperCase()}`);
  const m = mailbox(ctx.state, email).messages.get(ctx.params.id!);
  if (!m) throw notFound("Requested entity was not found.");
  const base: Record<string, unknown> = {
    id: m.id,
    threadId: m.threadId,
    labelIds: [...m.labelIds],
    snippet: snippetOf(m.body),
    sizeEstimate: 600 + m.body.length + m.subject.length,
    historyId: String(m.historyId),
    internalDate: String(m.internalDate),
  };
  if (format === "minimal") return { json: base };
  if (format === "raw") return { json: { ...base, raw: rawOf(m) } };
  const all = headersOf(m);
  if (format === "metadata") {
    const wanted = q.getAll("metadataHeaders").map((h) => h.toLowerCase());
    const headers = wanted.length > 0 ? all.filter((h) => wanted.includes(h.name.toLowerCase())) : all;
    return { json: { ...base, payload: { mimeType: "text/plain", headers } } };
  }
  return {
    json: {
      ...base,
      payload: {
        partId: "",
        mimeType: "text/plain",
        filename: "",
        headers: all,
        body: { size: Buffer.byteLength(m.body), data: Buffer.from(m.body).toString("base64url") },
      },
    },
  };
}

export function getProfile(ctx: ApiContext): ApiResult {
  const email = ownMailbox(ctx);
  const box = mailbox(ctx.state, email);
  return {
    json: {
      emailAddress: email,
      messagesTotal: box.messages.size,
      threadsTotal: new Set([...box.messages.values()].map((m) => m.threadId)).size,
      historyId: String(box.historyId),
    },
  };
}
