// What a failed Google call means for the caller, from Google's error shapes: retry later (quota,
// backend), re-sync (expired cursor), or stop (permission, bad request).
// See docs/google-behaviour.md#google-errors-and-retries.
import { AppError } from "../platform/errors";

export interface GoogleErrorInfo {
  status: number;
  /** errors[0].reason or ErrorInfo.reason, e.g. rateLimitExceeded, EXPIRED_SYNC_TOKEN, fullSyncRequired. */
  reason: string | undefined;
  message: string;
  /** Seconds from a Retry-After header, when Google sent one. */
  retryAfterSeconds: number | undefined;
}

interface GaxiosLike {
  status?: number;
  code?: number | string;
  message?: string;
  response?: { status?: number; headers?: unknown; data?: unknown };
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value =
    (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === "string" ? value : undefined;
}

/** Reads status, reason and Retry-After from an error thrown by a googleapis client (gaxios). */
export function googleErrorInfo(error: unknown): GoogleErrorInfo | undefined {
  const e = error as GaxiosLike | undefined;
  const status =
    e?.response?.status ??
    (typeof e?.status === "number" ? e.status : typeof e?.code === "number" ? e.code : undefined);
  if (status === undefined) return undefined;
  const body = (e?.response?.data ?? {}) as {
    error?:
      | { message?: string; errors?: Array<{ reason?: string }>; details?: Array<{ reason?: string }> }
      | string;
  };
  const err = typeof body.error === "object" ? body.error : undefined;
  const reason =
    err?.details?.find((d) => d.reason)?.reason ??
    err?.errors?.[0]?.reason ??
    (typeof body.error === "string" ? body.error : undefined);
  const retryAfter = Number(header(e?.response?.headers, "retry-after"));
  return {
    status,
    reason,
    message: err?.message ?? e?.message ?? `HTTP ${status}`,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  };
}

const RATE_LIMIT_REASONS = new Set([
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "quotaExceeded",
  "RATE_LIMIT_EXCEEDED",
  "backendError",
]);

/** Quota and transient server errors: worth retrying with backoff. */
export function isRetryableGoogleError(info: GoogleErrorInfo | undefined): boolean {
  if (!info) return true; // network failure, timeout: no HTTP answer at all
  if (info.status === 429 || info.status >= 500) return true;
  return info.status === 403 && info.reason !== undefined && RATE_LIMIT_REASONS.has(info.reason);
}

/** People's EXPIRED_SYNC_TOKEN (400), Calendar's 410 fullSyncRequired, Gmail's stale history id (404 on history). */
export function isExpiredCursor(info: GoogleErrorInfo | undefined): boolean {
  if (!info) return false;
  return info.status === 410 || info.reason === "EXPIRED_SYNC_TOKEN" || info.reason === "fullSyncRequired";
}

/** An AppError for callers above the adapter: retryable errors make Pub/Sub redeliver. */
export function toAppError(error: unknown, what: string): AppError {
  const info = googleErrorInfo(error);
  if (isRetryableGoogleError(info)) {
    return new AppError(
      "upstream_unavailable",
      `${what}: Google is throttling or unavailable (${info?.status ?? "no answer"})`,
      {
        retryable: true,
        cause: error,
        ...(info?.retryAfterSeconds ? { details: { retryAfterSeconds: info.retryAfterSeconds } } : {}),
      },
    );
  }
  if (info?.status === 401 || info?.status === 403) {
    return new AppError("forbidden", `${what}: Google refused access (${info.reason ?? info.status})`, {
      cause: error,
    });
  }
  if (info?.status === 404)
    return new AppError("not_found", `${what}: not found at Google`, { cause: error });
  if (info?.status === 412 || info?.reason === "failedPrecondition") {
    return new AppError("precondition_failed", `${what}: ${info.message}`, { cause: error });
  }
  return new AppError("upstream_unavailable", `${what}: Google answered ${info?.status}: ${info?.message}`, {
    retryable: false,
    cause: error,
  });
}
