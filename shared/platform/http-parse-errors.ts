// The Functions Framework parses request bodies before our handler runs and, on a broken body, answers
// with Express's HTML error page. This gives those refusals our JSON error shape and stable codes instead.
// It patches Express's application prototype, so it must run at import of the entry file, before the
// framework creates its app (the framework loads the function module first, then builds the server).
import { createRequire } from "node:module";
import { AppError, type ErrorCode, toErrorResponse } from "./errors";

interface BodyParserError {
  type?: string;
  status?: number;
}

const PARSE_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  "entity.parse.failed": { code: "invalid_json", message: "Request body is not valid JSON" },
  "entity.too.large": { code: "payload_too_large", message: "Request body is too large" },
  "encoding.unsupported": { code: "unsupported_media_type", message: "Unsupported content encoding" },
  "charset.unsupported": { code: "unsupported_media_type", message: "Unsupported charset" },
  "request.aborted": { code: "invalid_request", message: "Request was aborted" },
};

/** Express's own 4xx refusals (a path that is not valid percent-encoding, …) keep their status. */
const BY_STATUS: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: "invalid_request", message: "The request is malformed (its path or encoding)" },
  404: { code: "not_found", message: "Not found" },
  413: { code: "payload_too_large", message: "Request body is too large" },
  415: { code: "unsupported_media_type", message: "Unsupported media type" },
};

export function toParseErrorResponse(err: unknown) {
  const e = err as (BodyParserError & { statusCode?: number }) | undefined;
  const known = PARSE_ERRORS[e?.type ?? ""];
  if (known) return toErrorResponse(new AppError(known.code, known.message));
  const status = e?.status ?? e?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const mapped = BY_STATUS[status] ?? {
      code: "invalid_request" as const,
      message: "The request was refused",
    };
    return { ...toErrorResponse(new AppError(mapped.code, mapped.message)), status };
  }
  return toErrorResponse(err);
}

let installed = false;
export function replyJsonOnBodyParseErrors(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const frameworkRequire = createRequire(require.resolve("@google-cloud/functions-framework"));
  const express = frameworkRequire("express") as {
    application: {
      handle(this: unknown, req: unknown, res: ServerLike, callback?: (err?: unknown) => void): void;
    };
  };
  const original = express.application.handle;
  express.application.handle = function handle(req, res, callback) {
    const done =
      callback ??
      ((err?: unknown) => {
        if (res.headersSent) return;
        const { status, body } = err
          ? toParseErrorResponse(err)
          : { status: 404, body: { error: { code: "not_found", message: "Not found" } } };
        res.statusCode = status;
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.end(JSON.stringify(body));
      });
    return original.call(this, req, res, done);
  };
}

interface ServerLike {
  headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body: string): void;
}
