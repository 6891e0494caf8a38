// What a failed Google call means for the caller: the one classification every adapter uses.
// Google sends two envelope styles (tools/workspace-sim/README.md, "Error envelopes"): the classic
// `error.errors[{domain, reason}]` (Calendar, Gmail, Drive, Directory; often nothing else) and the newer
// `error.status` + `details[ErrorInfo{reason}]` (People). Reasons are read from both, so a rule written
// for one reason name holds whichever style carried it. What has no HTTP answer is either a network
// failure (retry later) or a defect in our code (fail at once: retrying replays the bug).
// See docs/google-behaviour.md#google-errors-and-retries.
import { AppError } from "../platform/errors";
import { isNetworkFailure } from "../platform/failure-kinds";

export interface GoogleErrorInfo {
  status: number;
  /** The first reason (ErrorInfo's, else errors[0]'s), for messages; decide with `reasons`. */
  reason: string | undefined;
  /** Every reason Google gave, from ErrorInfo details and from errors[], e.g. rateLimitExceeded, RATE_LIMIT_EXCEEDED. */
  reasons: string[];
  message: string;
  /** Seconds from a Retry-After header, when Google sent one. */
  retryAfterSeconds: number | undefined;
}

export type GoogleFailureKind =
  /** No HTTP answer: reset, timeout, DNS. Retry with backoff. */
  | "network"
  /** 429, or 403 with a rate-limit reason. Retry with backoff. */
  | "rate_limited"
  /** 5xx. Retry with backoff. */
  | "unavailable"
  /** 401: the access token was refused (expired early, revoked). */
  | "unauthenticated"
  /** 403 for any other reason: scopes, permissions, policy. */
  | "forbidden"
  | "not_found"
  /** People's EXPIRED_SYNC_TOKEN, Calendar's 410 fullSyncRequired: start a full sync. */
  | "expired_cursor"
  /** 412, or a failedPrecondition reason (People's stale etag is a 400 with it). */
  | "precondition"
  /** Any other 4xx: the request is wrong; retrying cannot help. */
  | "rejected"
  /** An AppError from our own layer (the token vault): already classified, passed through. */
  | "ours"
  /** No HTTP status and not a network failure: a defect in our code. Never retried. */
  | "bug";

export interface GoogleFailure {
  kind: GoogleFailureKind;
  info: GoogleErrorInfo | undefined;
}

interface GaxiosLike {
  status?: number;
  code?: number | string;
  message?: string;
  response?: { status?: number; headers?: unknown; data?: unknown };
}

interface ErrorBody {
  error?:
    | {
        message?: string;
        errors?: Array<{ reason?: string }>;
        details?: Array<{ reason?: string }>;
      }
    | string;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value =
    (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === "string" ? value : undefined;
}

/** Reads status, reasons and Retry-After from an error a googleapis client (gaxios) or our fetch adapters threw. */
export function googleErrorInfo(error: unknown): GoogleErrorInfo | undefined {
  if (error instanceof AppError) return undefined; // ours: its `status` is not Google's
  const e = error as GaxiosLike | undefined;
  const status =
    e?.response?.status ??
    (typeof e?.status === "number" ? e.status : typeof e?.code === "number" ? e.code : undefined);
  if (status === undefined) return undefined;
  const body = (e?.response?.data ?? {}) as ErrorBody;
  const err = typeof body.error === "object" ? body.error : undefined;
  const fromInfo = (err?.details ?? []).flatMap((d) => (d.reason ? [d.reason] : []));
  const fromErrors = (err?.errors ?? []).flatMap((d) => (d.reason ? [d.reason] : []));
  // OAuth bodies ({error: "invalid_grant"}) carry their reason as a string.
  const fromOAuth = typeof body.error === "string" ? [body.error] : [];
  const reasons = [...new Set([...fromInfo, ...fromErrors, ...fromOAuth])];
  const retryAfter = Number(header(e?.response?.headers, "retry-after"));
  return {
    status,
    reason: reasons[0],
    reasons,
    message: err?.message ?? e?.message ?? `HTTP ${status}`,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  };
}

/** True if Google gave any of these reasons, in either envelope style. */
export const hasReason = (info: GoogleErrorInfo | undefined, ...names: string[]): boolean =>
  info?.reasons.some((r) => names.includes(r)) ?? false;

/** Quota reasons as the classic (errors[].reason) and newer (ErrorInfo.reason) styles spell them. */
const RATE_LIMIT_REASONS = [
  "rateLimitExceeded",
  "userRateLimitExceeded",
  "quotaExceeded",
  "dailyLimitExceeded",
  "RATE_LIMIT_EXCEEDED",
];
const EXPIRED_CURSOR_REASONS = ["EXPIRED_SYNC_TOKEN", "fullSyncRequired", "updatedMinTooLongAgo"];

function kindOf(info: GoogleErrorInfo): GoogleFailureKind {
  const { status } = info;
  if (status === 429) return "rate_limited";
  if (status >= 500) return "unavailable";
  if (status === 401) return "unauthenticated";
  if (hasReason(info, ...EXPIRED_CURSOR_REASONS)) return "expired_cursor";
  if (status === 403) return hasReason(info, ...RATE_LIMIT_REASONS) ? "rate_limited" : "forbidden";
  if (status === 404) return "not_found";
  // A 410 on a listing with a sync token is Calendar's expired cursor even if its reason is missing;
  // a 410 "deleted" is a resource that is gone.
  if (status === 410) return hasReason(info, "deleted") ? "not_found" : "expired_cursor";
  if (status === 412 || hasReason(info, "failedPrecondition", "conditionNotMet", "FAILED_PRECONDITION"))
    return "precondition";
  return "rejected";
}

/** The one classification of a failed Google call. */
export function classifyGoogleError(error: unknown): GoogleFailure {
  if (error instanceof AppError) return { kind: "ours", info: undefined };
  const info = googleErrorInfo(error);
  if (info) return { kind: kindOf(info), info };
  return { kind: isNetworkFailure(error) ? "network" : "bug", info: undefined };
}

const RETRYABLE: ReadonlySet<GoogleFailureKind> = new Set(["network", "rate_limited", "unavailable"]);

/** Only real network failures, quota and 5xx are worth another try; a bug or a refusal is not. */
export const isRetryable = (failure: GoogleFailure): boolean => RETRYABLE.has(failure.kind);

/** Quota and transient server errors: worth retrying with backoff. A missing answer counts only if it was the network's. */
export function isRetryableGoogleError(error: unknown): boolean {
  return isRetryable(classifyGoogleError(error));
}

/** Quota, in either envelope style (429, or 403 rateLimitExceeded / RATE_LIMIT_EXCEEDED...). */
export const isRateLimited = (error: unknown): boolean => classifyGoogleError(error).kind === "rate_limited";

/** People's EXPIRED_SYNC_TOKEN (400), Calendar's 410 fullSyncRequired. */
export const isExpiredCursor = (error: unknown): boolean =>
  classifyGoogleError(error).kind === "expired_cursor";

/** An AppError for callers above the adapter: retryable errors make Pub/Sub redeliver; a bug does not. */
export function toAppError(error: unknown, what: string): AppError {
  const { kind, info } = classifyGoogleError(error);
  switch (kind) {
    case "ours":
      return error as AppError;
    case "network":
    case "rate_limited":
    case "unavailable":
      return new AppError(
        "upstream_unavailable",
        `${what}: Google is throttling or unavailable (${info?.status ?? "no answer"})`,
        {
          retryable: true,
          cause: error,
          ...(info?.retryAfterSeconds ? { details: { retryAfterSeconds: info.retryAfterSeconds } } : {}),
        },
      );
    case "bug":
      return new AppError("internal", `${what}: ${(error as Error)?.message ?? String(error)}`, {
        retryable: false,
        cause: error,
      });
    case "unauthenticated":
    case "forbidden":
      return new AppError("forbidden", `${what}: Google refused access (${info?.reason ?? info?.status})`, {
        cause: error,
      });
    case "not_found":
      return new AppError("not_found", `${what}: not found at Google`, { cause: error });
    case "precondition":
      return new AppError("precondition_failed", `${what}: ${info?.message}`, { cause: error });
    default:
      return new AppError(
        "upstream_unavailable",
        `${what}: Google answered ${info?.status}: ${info?.message}`,
        { retryable: false, cause: error },
      );
  }
}
