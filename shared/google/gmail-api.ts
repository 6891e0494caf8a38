// The Gmail port the sidebar needs (search message ids, read subject and date) and its adapter over
// plain HTTPS: messages.list with `q`, then format=metadata through small multipart batches (gmail-batch.ts,
// paced by gmail-pacing.ts) instead of N gets; parts Google refuses (per-part 429) are retried alone.
// Bodies are never requested. Errors keep Google's shape so google-errors.ts reads them.
import { AppError, isAppError } from "../platform/errors";
import { type BatchPart, buildBatchBody, parseBatchResponse } from "./gmail-batch";
import { GMAIL_BATCH_PARTS, type PartsGate } from "./gmail-pacing";
import type { GoogleApiTarget } from "./google-client-options";
import { googleErrorInfo, isRetryableGoogleError, toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

export interface MailSummary {
  id: string;
  threadId: string;
  subject: string;
  /** Epoch ms (internalDate). */
  date: number;
}

export interface MailMetadata {
  /** Messages found, in no particular order. Missing (deleted) messages are left out. */
  messages: MailSummary[];
  /** Messages Google kept refusing (throttled) after the retries: left out, so the list is partial. */
  throttled: number;
}

export interface GmailApi {
  /**
   * Ids of messages matching a Gmail search, newest first. `participant` (an address the search is
   * about) is used only when the grant holds gmail.metadata, where Google refuses any `q`.
   */
  search(q: string, max: number, participant?: string): Promise<Array<{ id: string; threadId: string }>>;
  /**
   * Subject and date of each message (format=metadata). Refused parts are retried alone, with backoff;
   * what still fails is counted in `throttled`. Throws (rate limited) only when nothing came back.
   */
  metadata(ids: string[]): Promise<MailMetadata>;
}

/** Thrown for a non-2xx answer: the gaxios-like shape googleErrorInfo() understands. */
export class GoogleHttpError extends Error {
  constructor(
    readonly response: { status: number; data: unknown; headers: Headers | Record<string, string> },
  ) {
    super(`Google answered ${response.status}`);
    this.name = "GoogleHttpError";
  }
}

export interface GmailAdapterOptions {
  retry?: RetryOptions;
  /** "parallel" = one messages.get per id (the fallback when batching is unavailable). */
  mode?: "batch" | "parallel";
  /** Paces the parts this user has in flight from this instance (gmail-pacing.ts). */
  gate?: PartsGate;
  fetch?: typeof fetch;
  /**
   * Google answered 401 to `token` (the vault's TokenSource.tokenRefused): the token is forgotten and the
   * request sent once more with a fresh one; `again` = the fresh one was refused too (needs_reauth).
   */
  tokenRefused?: (token: string, again: boolean) => Promise<void>;
}

/** The token, or the token with the scopes Google granted (to avoid what they forbid). */
export type GmailToken = string | { token: string; scopes?: readonly string[] };

export const GMAIL_METADATA_SCOPE = "https://www.googleapis.com/auth/gmail.metadata";
/** Under gmail.metadata (no `q`), the newest messages scanned for a participant. */
export const METADATA_SCAN = 50;

const passThrough = (error: unknown) => (error instanceof AppError ? error : undefined);

/** Some parts of a batch were refused: retried alone; once retries run out, the rest is kept. */
class PartsRefused extends GoogleHttpError {}

const noGate: PartsGate = { acquire: async () => () => {} };

type Headers_ = Array<{ name?: string; value?: string }>;
interface MetadataMessage {
  id?: string;
  threadId?: string;
  internalDate?: string;
  payload?: { headers?: Headers_ };
}

const headerOf = (m: MetadataMessage, name: string) =>
  m.payload?.headers?.find((h) => h.name?.toLowerCase() === name)?.value ?? "";

/** A part worth sending again: throttled (429, 403 rate limit) or a transient backend error. */
const retryablePart = (status: number, body: unknown) =>
  isRetryableGoogleError(googleErrorInfo({ response: { status, data: body } }));

export function gmailApi(
  target: GoogleApiTarget,
  accessToken: () => Promise<GmailToken>,
  options: GmailAdapterOptions = {},
): GmailApi {
  const root = target.rootUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const gate = options.gate ?? noGate;
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withGoogleRetry(fn, options.retry);
    } catch (error) {
      throw passThrough(error) ?? toAppError(error, what);
    }
  };
  // One token read per adapter (the sidebar builds one per opening): it lives ≥ 5 minutes.
  let granted: Promise<{ token: string; scopes: readonly string[] }> | undefined;
  const grant = () => {
    granted ??= accessToken().then((t) =>
      typeof t === "string" ? { token: t, scopes: [] as readonly string[] } : { scopes: [], ...t },
    );
    granted.catch(() => {
      granted = undefined; // a failed read is not remembered
    });
    return granted;
  };
  const send = async (path: string, init: RequestInit = {}, refreshed = false): Promise<Response> => {
    const { token } = await grant();
    const res = await doFetch(`${root}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });
    if (res.status === 401 && options.tokenRefused) {
      // An access token that died early: refresh once and retry; a second refusal needs the user.
      await options.tokenRefused(token, refreshed);
      if (!refreshed) {
        granted = undefined;
        return send(path, init, true);
      }
    }
    if (!res.ok) {
      const text = await res.text();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {}
      throw new GoogleHttpError({ status: res.status, data, headers: res.headers });
    }
    return res;
  };
  const metadataPath = (id: string, headers: readonly string[]) =>
    `/gmail/v1/users/me/messages/${encodeURIComponent(id)}?format=metadata${headers.map((h) => `&metadataHeaders=${h}`).join("")}&fields=id,threadId,internalDate,payload/headers`;

  /** One batch per GMAIL_BATCH_PARTS ids; refused parts (only those) are sent again with backoff. */
  const fetchMetadata = async (
    ids: string[],
    headers: readonly string[],
  ): Promise<{ found: MetadataMessage[]; throttled: number }> => {
    const found: MetadataMessage[] = [];
    let throttled = 0;
    if (options.mode === "parallel") {
      const all = await Promise.all(
        ids.map(async (id) => {
          const release = await gate.acquire(1);
          try {
            return (await call("gmail messages.get", async () =>
              (await send(metadataPath(id, headers))).json(),
            )) as MetadataMessage;
          } catch (error) {
            if (isAppError(error) && error.code === "not_found") return undefined;
            throw error;
          } finally {
            release();
          }
        }),
      );
      return { found: all.filter((m): m is MetadataMessage => m?.id !== undefined), throttled: 0 };
    }
    for (let i = 0; i < ids.length; i += GMAIL_BATCH_PARTS) {
      let pending = ids.slice(i, i + GMAIL_BATCH_PARTS);
      try {
        await withGoogleRetry(async () => {
          const release = await gate.acquire(pending.length);
          let parts: BatchPart[];
          try {
            const { body, contentType } = buildBatchBody(
              pending.map((id) => ({ method: "GET", path: metadataPath(id, headers) })),
            );
            const res = await send("/batch/gmail/v1", {
              method: "POST",
              headers: { "content-type": contentType },
              body,
            });
            parts = parseBatchResponse(await res.text(), res.headers.get("content-type") ?? "");
          } finally {
            release();
          }
          const again: string[] = [];
          let refusal: BatchPart | undefined;
          for (const p of parts) {
            const id = pending[p.index];
            if (id === undefined) continue;
            if (p.status === 200) found.push(p.body as MetadataMessage);
            else if (retryablePart(p.status, p.body)) {
              again.push(id);
              refusal ??= p;
            }
          }
          pending = again;
          // Surfaces like a throttled call, so withGoogleRetry backs off and sends only these again.
          if (refusal) throw new PartsRefused({ status: refusal.status, data: refusal.body, headers: {} });
        }, options.retry);
      } catch (error) {
        if (!(error instanceof PartsRefused)) {
          throw passThrough(error) ?? toAppError(error, "gmail batch");
        }
        throttled += pending.length;
      }
    }
    if (found.length === 0 && throttled > 0) {
      throw new AppError("upstream_unavailable", "gmail batch: Google is throttling (429)", {
        retryable: true,
        cause: new GoogleHttpError({ status: 429, data: {}, headers: {} }),
      });
    }
    return { found, throttled };
  };

  const summaryOf = (msg: MetadataMessage): MailSummary | undefined =>
    msg?.id
      ? {
          id: msg.id,
          threadId: msg.threadId ?? msg.id,
          subject: headerOf(msg, "subject"),
          date: Number(msg.internalDate ?? 0),
        }
      : undefined;

  const list = async (params: URLSearchParams) => {
    const res = await call("gmail messages.list", () => send(`/gmail/v1/users/me/messages?${params}`));
    const data = (await res.json()) as { messages?: Array<{ id: string; threadId: string }> };
    return data.messages ?? [];
  };

  return {
    async search(q, max, participant) {
      const { scopes } = await grant();
      if (!scopes.includes(GMAIL_METADATA_SCOPE)) {
        return list(new URLSearchParams({ q, maxResults: String(max), fields: "messages(id,threadId)" }));
      }
      // gmail.metadata anywhere in the grant makes Google refuse any q (even beside gmail.readonly):
      // scan the newest messages' From/To/Cc instead (partial: older mail is not found).
      if (!participant) return [];
      const who = participant.toLowerCase();
      const newest = await list(
        new URLSearchParams({ maxResults: String(METADATA_SCAN), fields: "messages(id,threadId)" }),
      );
      const { found } = await fetchMetadata(
        newest.map((m) => m.id),
        ["From", "To", "Cc"],
      );
      const matching = new Set(
        found
          .filter((m) => ["from", "to", "cc"].some((h) => headerOf(m, h).toLowerCase().includes(who)))
          .map((m) => m.id),
      );
      return newest.filter((m) => matching.has(m.id)).slice(0, max);
    },
    async metadata(ids) {
      if (ids.length === 0) return { messages: [], throttled: 0 };
      const { found, throttled } = await fetchMetadata(ids, ["Subject", "Date"]);
      return {
        messages: found.map(summaryOf).filter((m): m is MailSummary => m !== undefined),
        throttled,
      };
    },
  };
}
