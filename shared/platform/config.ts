// One validated configuration object, parsed from an environment the caller passes in (tests pass
// their own). A bad or missing variable fails start-up with a message naming every bad variable.
import { z } from "zod";

/**
 * Per-minute budgets of the rate-limited public routes (shared/platform/http.ts): sign-in and session
 * routes per client address, webhooks per watch channel. A channel normally gets a few notifications a
 * minute, but Google can burst after a bulk change, so its budget is generous.
 */
export const RATE_LIMIT_DEFAULTS = { credentials: 300, webhooks: 600 } as const;

const Port = z.coerce.number().int().min(1).max(65535);
const HostPort = z.string().regex(/^[\w.-]+:\d+$/, "expected host:port");

export const ConfigSchema = z
  .object({
    /** The Google Cloud project id. */
    GOOGLE_CLOUD_PROJECT: z.string().regex(/^[a-z][a-z0-9-]{3,29}$/, "expected a Google Cloud project id"),
    /** Where this runs: `production` and `staging` are deployments; `local` and `test` never deploy. */
    SWITCHBOARD_ENV: z.enum(["production", "staging", "local", "test"]).default("production"),
    /** Lowest severity written to the log. */
    LOG_LEVEL: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]).default("INFO"),
    /** The Firestore emulator (host:port); set by the local stack and the tests only. */
    FIRESTORE_EMULATOR_HOST: HostPort.optional(),
    /** The Pub/Sub emulator (host:port); set by the local stack and the tests only. */
    PUBSUB_EMULATOR_HOST: HostPort.optional(),
    /** Where secrets are read: Secret Manager, or `local` (LOCAL_SECRETS_FILE; never in production). */
    SECRETS_BACKEND: z.enum(["secret-manager", "local"]).default("secret-manager"),
    /** local backend only: a JSON file of secret name → value, outside the repo. */
    LOCAL_SECRETS_FILE: z.string().min(1).optional(),
    /** The Pub/Sub topic audit events are published to. */
    AUDIT_TOPIC: z.string().min(3).default("audit-events"),
    /** Root URL of Google's REST APIs; the Workspace simulator's URL in the local stack and tests. */
    GOOGLE_API_ROOT_URL: z.url().default("https://www.googleapis.com/"),
    /** Base of Google's OAuth endpoints (auth, token, revoke); the simulator's URL locally. */
    GOOGLE_OAUTH_BASE_URL: z.url().default("https://oauth2.googleapis.com/"),
    /** The Google OAuth web client's id (its secret is in Secret Manager); required to offer integrations. */
    GOOGLE_OAUTH_CLIENT_ID: z
      .string()
      .regex(/^[\w.-]+\.apps\.googleusercontent\.com$/, "expected <id>.apps.googleusercontent.com")
      .optional(),
    /** The OAuth redirect URI registered on that client; defaults to <PUBLIC_AUTH_URL>/oauth/google/callback. */
    OAUTH_REDIRECT_URL: z.url().optional(),
    /** Public base URL of the auth function (SAML ACS, OAuth callback), e.g. https://auth.example.com. */
    PUBLIC_AUTH_URL: z.url().optional(),
    /** The SAML service provider's entity ID; defaults to <PUBLIC_AUTH_URL>/saml/metadata. */
    SAML_SP_ENTITY_ID: z.string().min(1).optional(),
    /** Clock difference tolerated on SAML assertion times (NotBefore, NotOnOrAfter), in ms: 0–120,000. */
    SAML_CLOCK_SKEW_MS: z.coerce.number().int().min(0).max(120_000).default(30_000),
    /** Comma-separated origins the client apps run on; sign-in and consent only return to these. */
    ALLOWED_RETURN_ORIGINS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url())),
    /** Where a sign-in without a requested return URL lands (IdP-initiated login from Google's app launcher). */
    DEFAULT_RETURN_URL: z.url().optional(),
    /** Public base URL of the webhooks function (Google's watch notifications), e.g. https://hooks.example.com. */
    PUBLIC_WEBHOOKS_URL: z.url().optional(),
    /** Origin of the web client (meeting join pages), e.g. https://app.example.com. */
    WEB_CLIENT_ORIGIN: z.url().optional(),
    /** Request body limit of the HTTP functions, in bytes. */
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(32 * 1024 * 1024)
      .default(1024 * 1024),
    /** The port the Functions Framework listens on; set by the platform. */
    PORT: Port.optional(),
    /** Failed credential checks one client address may cause per minute and instance before 429. */
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
    /** Requests one client address may make to each sign-in and session route per minute and instance. */
    CREDENTIAL_REQUESTS_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(RATE_LIMIT_DEFAULTS.credentials),
    /** Push notifications one watch channel may deliver per minute and instance (Google bursts). */
    WEBHOOK_NOTIFICATIONS_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(RATE_LIMIT_DEFAULTS.webhooks),
    /**
     * How long a scheduled tick's claim on its slot lasts without a heartbeat (renewed every third of it
     * while the tick runs): a killed tick's redelivery takes over after at most this long.
     */
    TICK_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
    /**
     * The hourly channel renewal also syncs every calendar not synced for this many minutes: Google may
     * drop a push notification, and this bounds how long a missed change can go unseen.
     */
    CALENDAR_RECONCILE_MINUTES: z.coerce.number().int().min(1).max(1_440).default(60),
    /** Grants read per page by the contact-sync fan-out (each page is checkpointed). */
    CONTACT_SYNC_FANOUT_PAGE_SIZE: z.coerce.number().int().min(1).max(1_000).default(500),
    /** POST /v1/contacts/sync: a request within this many seconds of the last accepted one enqueues nothing. */
    CONTACT_SYNC_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(30),
    /**
     * Minutes between scheduled contact syncs for people active in the app within
     * CONTACT_SYNC_ACTIVE_WINDOW_HOURS. The fan-out's scheduler fires every 5 minutes: a multiple of 5.
     */
    CONTACT_SYNC_ACTIVE_MINUTES: z.coerce.number().int().min(5).max(60).multipleOf(5).default(5),
    /** Minutes between scheduled contact syncs for everyone else: a multiple of CONTACT_SYNC_ACTIVE_MINUTES. */
    CONTACT_SYNC_IDLE_MINUTES: z.coerce.number().int().min(5).max(1_440).multipleOf(5).default(60),
    /** Someone who signed in or refreshed their session within this many hours counts as active. */
    CONTACT_SYNC_ACTIVE_WINDOW_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  })
  .superRefine((env, ctx) => {
    if (env.CONTACT_SYNC_IDLE_MINUTES % env.CONTACT_SYNC_ACTIVE_MINUTES !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["CONTACT_SYNC_IDLE_MINUTES"],
        message: "must be a multiple of CONTACT_SYNC_ACTIVE_MINUTES",
      });
    }
    if (env.SECRETS_BACKEND === "local" && !env.LOCAL_SECRETS_FILE) {
      ctx.addIssue({
        code: "custom",
        path: ["LOCAL_SECRETS_FILE"],
        message: "required when SECRETS_BACKEND=local",
      });
    }
    if (
      env.OAUTH_REDIRECT_URL?.startsWith("http:") &&
      (env.SWITCHBOARD_ENV === "production" || env.SWITCHBOARD_ENV === "staging")
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["OAUTH_REDIRECT_URL"],
        message: "must be https outside the local stack and tests",
      });
    }
    if (env.SECRETS_BACKEND === "local" && env.SWITCHBOARD_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["SECRETS_BACKEND"],
        message: "the local backend is not allowed in production",
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  // Name the variable, never echo its value: it may be a secret someone put in the wrong place.
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`,
  );
  throw new ConfigError(problems);
}

let cached: Config | undefined;
/** The process's configuration, parsed on first use (never at import time). */
export const config = (): Config => {
  cached ??= parseConfig(process.env);
  return cached;
};
