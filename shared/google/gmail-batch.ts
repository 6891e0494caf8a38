// A small multipart/mixed batch builder and parser for Gmail (the Node clients have no batch support).
// Google: ≤100 calls per batch (more → 400 "Inner request count exceeds the limit"); each inner call is
// counted and can fail on its own, so the parser returns one status per part, in request order. How many
// parts to send at once is gmail-pacing.ts's decision.
// See docs/google-behaviour.md#gmail-batch.
import { randomBytes } from "node:crypto";

export interface BatchCall {
  method: "GET";
  /** Path and query under the API root, e.g. /gmail/v1/users/me/messages/abc?format=metadata. */
  path: string;
}

export interface BatchPart {
  /** Index of the call in the request. */
  index: number;
  status: number;
  body: unknown;
}

export function buildBatchBody(calls: BatchCall[], boundary = `sb_${randomBytes(9).toString("hex")}`) {
  if (calls.length === 0) throw new Error("A batch needs at least one call");
  if (calls.length > 100) throw new Error(`At most 100 calls per batch, not ${calls.length}`);
  const body = `${calls
    .map(
      (c, i) =>
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item${i + 1}>\r\n\r\n${c.method} ${c.path}\r\n\r\n`,
    )
    .join("")}--${boundary}--\r\n`;
  return { body, contentType: `multipart/mixed; boundary=${boundary}` };
}

/** Parses a multipart/mixed batch response; parts are matched to calls by Content-ID (response-itemN). */
export function parseBatchResponse(text: string, contentType: string): BatchPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new Error("The batch response has no boundary");
  const parts: BatchPart[] = [];
  const chunks = text.split(`--${boundary}`);
  for (const [position, chunk] of chunks.entries()) {
    if (position === 0 || chunk.startsWith("--")) continue;
    const id = /Content-ID:\s*<response-item(\d+)>/i.exec(chunk);
    const status = /HTTP\/1\.[01] (\d{3})/.exec(chunk);
    if (!status) continue;
    const afterStatus = chunk.slice((status.index ?? 0) + status[0].length);
    const split = afterStatus.search(/\r?\n\r?\n/);
    const raw = split >= 0 ? afterStatus.slice(split).trim() : "";
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    parts.push({ index: id ? Number(id[1]) - 1 : parts.length, status: Number(status[1]), body });
  }
  return parts.sort((a, b) => a.index - b.index);
}
