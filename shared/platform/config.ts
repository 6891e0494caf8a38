// One validated configuration object, parsed from an environment the caller passes in (tests pass
// their own). A bad or missing variable fails start-up with a message naming every bad variable.
import { z } from "zod";

const Port = z.coerce.number().int().min(1).max(65535);
const HostPort = z.string().regex(/^[\w.-]+:\d+$/, "expected host:port");

export const ConfigSchema = z
  .object({
    GOOGLE_CLOUD_PROJECT: z.string().regex(/^[a-z][a-z0-9-]{3,29}$/, "expected a Google Cloud project id"),
    SWITCHBOARD_ENV: z.enum(["production", "staging", "local", "test"]).default("production"),
    LOG_LEVEL: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]).default("INFO"),
    FIRESTORE_EMULATOR_HOST: HostPort.optional(),
    PUBSUB_EMULATOR_HOST: HostPort.optional(),
    SECRETS_BACKEND: z.enum(["secret-manager", "local"]).default("secret-manager"),
    /** local backend only: a JSON file of secret name → value, outside the repo. */
    LOCAL_SECRETS_FILE: z.string().min(1).optional(),
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
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(32 * 1024 * 1024)
      .default(1024 * 1024),
    PORT: Port.optional(),
    /** Failed credential checks one client address may cause per minute and instance before 429. */
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
    /**
     * How long a scheduled tick's claim on its slot lasts without a heartbeat (renewed every third of it
     * while the tick runs): a killed tick's redelivery takes over after at most this long.
     */
    TICK_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
    /** Grants read per page by the contact-sync fan-out (each page is checkpointed). */
    CONTACT_SYNC_FANOUT_PAGE_SIZE: z.coerce.number().int().min(1).max(1_000).default(500),
    /** POST /v1/contacts/sync: a request within this many seconds of the last accepted one enqueues nothing. */
    CONTACT_SYNC_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(30),
  })
  .superRefine((env, ctx) => {
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
