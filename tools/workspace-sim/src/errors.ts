// Errors in the shapes Google puts on the wire: the REST envelope for APIs and the OAuth body for
// token endpoints. Handlers throw these; the server serialises them in the envelope of the API that
// answered (README "Error envelopes"):
// - "classic" (Calendar, Gmail, Drive, Directory): `{error: {code, message, errors: [{domain, reason,
//   message, locationType?, location?}]}}` and nothing else, as calendar/api/guides/errors shows and as
//   KeepSoftwareSimple/compass-calendar#1239 logged for a real 410;
// - "rich" (People): the classic fields plus `status` and `details: [ErrorInfo]`
//   (googleapis/google-api-go-client#1904, googleapis/google-api-python-client#2417).
// The 403 for insufficient scopes, made by Google's front end before the API runs, is rich on every API
// (googleworkspace/php-samples#123 shows Gmail's with ErrorInfo); a 401 follows the API's envelope
// (Calendar's guide shows it classic, `location: "Authorization"`).
import type { FailureKind } from "./faults";

export type ErrorEnvelope = "classic" | "rich";

/** The envelope each simulated API's own errors use. */
export const envelopeOf = (api: string): ErrorEnvelope => (api === "people" ? "rich" : "classic");

export type GoogleStatus =
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "ABORTED"
  | "RESOURCE_EXHAUSTED"
  | "INTERNAL"
  | "UNAVAILABLE";

export interface ApiErrorSpec {
  code: number;
  status: GoogleStatus;
  message: string;
  /** Legacy `errors[].reason`, e.g. "insufficientPermissions", "userRateLimitExceeded". */
  reason: string;
  /** Legacy `errors[].domain`, e.g. "global", "usageLimits". */
  domain?: string;
  /** `google.rpc.ErrorInfo` reason, e.g. "EXPIRED_SYNC_TOKEN". */
  infoReason?: string;
  infoDomain?: string;
  infoMetadata?: Record<string, string>;
  /** Classic `errors[].locationType` / `location`, e.g. "parameter" / "syncToken". */
  locationType?: string;
  location?: string;
  /** Forces an envelope whatever the API (the front end's auth errors are always rich). */
  envelope?: ErrorEnvelope;
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  constructor(readonly spec: ApiErrorSpec) {
    super(spec.message);
  }

  /** The wire body in `envelope` (the answering API's, from envelopeOf), unless the spec forces one. */
  body(envelope: ErrorEnvelope = "classic") {
    const {
      code,
      message,
      status,
      reason,
      domain = "global",
      infoReason,
      infoDomain,
      infoMetadata,
      locationType,
      location,
    } = this.spec;
    const classic = {
      code,
      message,
      errors: [
        {
          message,
          domain,
          reason,
          ...(locationType ? { locationType } : {}),
          ...(location ? { location } : {}),
        },
      ],
    };
    if ((this.spec.envelope ?? envelope) === "classic") return { error: classic };
    return {
      error: {
        ...classic,
        status,
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: infoReason ?? reason,
            domain: infoDomain ?? "googleapis.com",
            ...(infoMetadata ? { metadata: infoMetadata } : {}),
          },
        ],
      },
    };
  }
}

/** OAuth endpoints answer `{error, error_description}` instead of the REST envelope. */
export class OAuthError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }

  body() {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidArgument = (message: string, reason = "badRequest") =>
  new ApiError({ code: 400, status: "INVALID_ARGUMENT", message, reason });

export const notFound = (message = "Requested entity was not found.", reason = "notFound") =>
  new ApiError({ code: 404, status: "NOT_FOUND", message, reason });

export const unauthenticated = () =>
  new ApiError({
    code: 401,
    status: "UNAUTHENTICATED",
    message:
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    reason: "authError",
    infoReason: "ACCESS_TOKEN_TYPE_UNSUPPORTED",
    locationType: "header",
    location: "Authorization",
    headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
  });

export const insufficientScopes = (service: string, method: string) =>
  new ApiError({
    code: 403,
    status: "PERMISSION_DENIED",
    message: "Request had insufficient authentication scopes.",
    reason: "insufficientPermissions",
    infoReason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    infoMetadata: { service, method },
    envelope: "rich",
    headers: {
      "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"',
    },
  });

/**
 * A per-user query quota ran out: 403 PERMISSION_DENIED, `userRateLimitExceeded` / `usageLimits`, as
 * the Directory API answers past its queries per minute per user (and as the "403-user" fault answers).
 */
export const userRateLimitExceeded = (service: string) =>
  new ApiError({
    code: 403,
    status: "PERMISSION_DENIED",
    message: `Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service '${service}'.`,
    reason: "userRateLimitExceeded",
    domain: "usageLimits",
    infoReason: "RATE_LIMIT_EXCEEDED",
    infoMetadata: { service, quota_limit: "QueriesPerMinutePerUser" },
  });

/**
 * An `If-Match` etag precondition that does not hold. Google's generic wire form for etag
 * preconditions (Drive and Calendar answer it this way).
 */
export const preconditionFailed = () =>
  new ApiError({
    code: 412,
    status: "FAILED_PRECONDITION",
    message: "Precondition Failed",
    reason: "conditionNotMet",
  });

/** The error of a fault injected by a test, in the form the real API would send it. */
export function injectedFailure(kind: FailureKind, service: string): ApiError {
  switch (kind) {
    case "401":
      return unauthenticated();
    case "429":
      return new ApiError({
        code: 429,
        status: "RESOURCE_EXHAUSTED",
        message: "Resource has been exhausted (e.g. check quota).",
        reason: "rateLimitExceeded",
        infoReason: "RATE_LIMIT_EXCEEDED",
        infoMetadata: { service },
      });
    case "403":
      return new ApiError({
        code: 403,
        status: "PERMISSION_DENIED",
        message: "Rate Limit Exceeded",
        reason: "rateLimitExceeded",
        domain: "usageLimits",
        infoReason: "RATE_LIMIT_EXCEEDED",
        infoMetadata: { service },
      });
    case "403-user":
      return userRateLimitExceeded(service);
    case "500":
      return new ApiError({
        code: 500,
        status: "INTERNAL",
        message: "Internal error encountered.",
        reason: "backendError",
      });
    case "503":
      return new ApiError({
        code: 503,
        status: "UNAVAILABLE",
        message: "The service is currently unavailable.",
        reason: "backendError",
      });
  }
}

/** Injected failures on the token endpoints keep the OAuth body shape. */
export function injectedOAuthFailure(kind: FailureKind): OAuthError {
  switch (kind) {
    case "401":
      return new OAuthError(401, "invalid_client", "Unauthorized");
    case "429":
      return new OAuthError(429, "rate_limit_exceeded", "Rate Limit Exceeded");
    case "403":
    case "403-user":
      return new OAuthError(403, "rate_limit_exceeded", "Rate Limit Exceeded");
    case "500":
      return new OAuthError(500, "server_error", "Internal error encountered.");
    case "503":
      return new OAuthError(503, "temporarily_unavailable", "The service is currently unavailable.");
  }
}
