// One error type for the whole system: a stable code, the HTTP status it maps to, and whether a retry
// could succeed. Mapped to the wire in exactly one place (toErrorResponse).

export const ErrorCodes = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_identifier: 400,
  invalid_cursor: 400,
  validation_failed: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  rate_limited: 429,
  origin_not_allowed: 403,
  internal: 500,
  upstream_unavailable: 503,
  not_ready: 503,
  malformed_message: 400,
  /** A stored document fails its schema (platform/firestore.ts); retrying reads the same document. */
  malformed_document: 500,
  // Sign-in refusals: each is a 4xx, an audit event, and no session.
  saml_malformed: 400,
  sso_not_configured: 404,
  saml_unknown_idp: 403,
  saml_signature_invalid: 403,
  saml_audience_mismatch: 403,
  saml_recipient_mismatch: 403,
  saml_expired: 403,
  saml_replayed: 403,
  saml_unknown_request: 403,
  saml_unsolicited: 403,
  saml_issuer_mismatch: 403,
  saml_weak_algorithm: 403,
  saml_status_not_success: 403,
  saml_relay_state_mismatch: 403,
  saml_nameid_unsupported: 403,
  user_not_provisioned: 403,
  // Sign in with Google and onboarding (shared/identity/google-sign-in-routes.ts, shared/orgs/).
  oauth_state_invalid: 400,
  google_id_token_invalid: 403,
  google_nonce_mismatch: 403,
  google_email_unverified: 403,
  workspace_account_required: 403,
  org_not_set_up: 403,
  org_mismatch: 403,
  sign_in_method_not_allowed: 403,
  domain_taken: 409,
  invalid_region: 400,
  invalid_time_zone: 400,
  return_url_not_allowed: 400,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface AppErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Safe, structured details for the client (never secrets). */
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.status = ErrorCodes[code];
    this.retryable = options.retryable ?? this.status >= 500;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** The one mapping from any thrown value to a status and the public body. Unknown errors hide their text. */
export function toErrorResponse(error: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (isAppError(error)) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details) body.error.details = error.details;
    return { status: error.status, body, headers: error.headers ?? {} };
  }
  return { status: 500, body: { error: { code: "internal", message: "Internal error" } }, headers: {} };
}
