// The Gmail port the sidebar needs (search message ids, read subject and date) and its adapter over
// plain HTTPS: messages.list with `q`, then format=metadata through one multipart batch (gmail-batch.ts)
// instead of N gets. Bodies are never requested. Errors keep Google's shape so google-errors.ts reads them.
import { AppError } from "../platform/errors";
import { type BatchCall, buildBatchBody, MAX_BATCH_CALLS, parseBatchResponse } from "./gmail-batch";
import type { GoogleApiTarget } from "./google-client-options";
import { toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

export interface MailSummary {
  id: string;
  threadId: string;
  subject: string;
  /** Epoch ms (internalDate). */
  date: number;
}

export interface GmailApi {
  /** Ids of messages matching a Gmail search, newest first. */
  search(q: string, max: number): Promise<Array<{ id: string; threadId: string }>>;
  /** Subject and date of each message (format=metadata); missing or failed ones are left out. */
  metadata(ids: string[]): Promise<MailSummary[]>;
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
  fetch?: typeof fetch;
}

const passThrough = (error: unknown) => (error instanceof AppError ? error : undefined);

export function gmailApi(
  target: GoogleApiTarget,
  accessToken: () => Promise<string>,
  options: GmailAdapterOptions = {},
): GmailApi {
  const root = target.rootUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withGoogleRetry(fn, options.retry);
    } catch (error) {
      throw passThrough(error) ?? toAppError(error, what);
    }
  };
  const send = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const token = await accessToken();
    const res = await doFetch(`${root}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });
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
  const metadataPath = (id: string) =>
    `/gmail/v1/users/me/messages/${encodeURIComponent(id)}?format=metadata&metadataHeaders=Subject&metadataHeaders=Date&fields=id,threadId,internalDate,payload/headers`;
  const summaryOf = (m: unknown): MailSummary | undefined => {
    const msg = m as {
      id?: string;
      threadId?: string;
      internalDate?: string;
      payload?: { headers?: Array<{ name?: string; value?: string }> };
    };
    if (!msg?.id) return undefined;
    const subject = msg.payload?.headers?.find((h) => h.name?.toLowerCase() === "subject")?.value ?? "";
    return { id: msg.id, threadId: msg.threadId ?? msg.id, subject, date: Number(msg.internalDate ?? 0) };
  };
  return {
    async search(q, max) {
      const params = new URLSearchParams({ q, maxResults: String(max), fields: "messages(id,threadId)" });
      const res = await call("gmail messages.list", () => send(`/gmail/v1/users/me/messages?${params}`));
      const data = (await res.json()) as { messages?: Array<{ id: string; threadId: string }> };
      return data.messages ?? [];
    },
    async metadata(ids) {
      if (ids.length === 0) return [];
      if (options.mode === "parallel") {
        const all = await Promise.all(
          ids.map((id) =>
            call("gmail messages.get", async () => summaryOf(await (await send(metadataPath(id))).json())),
          ),
        );
        return all.filter((m): m is MailSummary => m !== undefined);
      }
      const out: MailSummary[] = [];
      for (let i = 0; i < ids.length; i += MAX_BATCH_CALLS) {
        const calls: BatchCall[] = ids
          .slice(i, i + MAX_BATCH_CALLS)
          .map((id) => ({ method: "GET", path: metadataPath(id) }));
        const parts = await call("gmail batch", async () => {
          const { body, contentType } = buildBatchBody(calls);
          const res = await send("/batch/gmail/v1", {
            method: "POST",
            headers: { "content-type": contentType },
            body,
          });
          const parsed = parseBatchResponse(await res.text(), res.headers.get("content-type") ?? "");
          // One throttled part means the whole answer is incomplete: surface it like a throttled call.
          const throttled = parsed.find((p) => p.status === 429);
          if (throttled) throw new GoogleHttpError({ status: 429, data: throttled.body, headers: {} });
          return parsed;
        });
        for (const p of parts) {
          if (p.status !== 200) continue;
          const s = summaryOf(p.body);
          if (s) out.push(s);
        }
      }
      return out;
    },
  };
}
