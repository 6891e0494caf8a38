// Identity's services: the grant store, token cipher, Google OAuth client, access-token provider and
// teardown registry, built lazily from a few ports (so tests pass emulator- and simulator-backed ones)
// and memoised. Each function's composition root (shared/wiring) builds them once per process and hands
// the same object to every capability, so a process holds one token vault and one teardown registry.
import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { Config } from "../platform/config";
import { AppError } from "../platform/errors";
import { type Logger, logger as rootLogger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import type { SecretStore } from "../platform/secrets";
import { type AccessTokenProvider, accessTokenProvider } from "./access-token-provider";
import { type GoogleOAuth, googleOAuth } from "./google-oauth";
import { firestoreGrantRepository, type GrantRepository } from "./grant-repository";
import { defaultTeardowns, type TeardownRegistry } from "./integration-teardown";
import type { IntegrationName } from "./integrations";
import { SECRET } from "./secret-names";
import { type TokenCipher, tokenCipher } from "./token-cipher";

export type IdentityConfig = Pick<
  Config,
  | "GOOGLE_OAUTH_BASE_URL"
  | "GOOGLE_OAUTH_CLIENT_ID"
  | "OAUTH_REDIRECT_URL"
  | "PUBLIC_AUTH_URL"
  | "ALLOWED_RETURN_ORIGINS"
  | "DEFAULT_RETURN_URL"
>;

export interface IdentityDeps {
  firestore: () => Firestore;
  secrets: SecretStore;
  publisher: EventPublisher;
  clock: () => Date;
  config: IdentityConfig;
  log?: Logger;
  /** Replaces the Google OAuth adapter (tests that wrap it). */
  oauth?: GoogleOAuth;
  teardowns?: TeardownRegistry;
  /** The lease owner name of this instance. */
  instanceId?: string;
  /**
   * Starts an integration's first sync once its consent is stored (the composition root publishes what
   * the schedules would: a contact sync, a calendar connect), so a new connection need not wait for them.
   */
  onIntegrationConnected?: (event: {
    orgId: string;
    userId: string;
    integration: IntegrationName;
  }) => Promise<void>;
}

export interface IdentityServices {
  readonly deps: IdentityDeps;
  db(): Firestore;
  grants(): GrantRepository;
  cipher(): TokenCipher;
  /** Throws not_ready (503) when the OAuth client is not configured. */
  oauth(): GoogleOAuth;
  /** The same OAuth client, redirecting to Sign in with Google's callback (GOOGLE_SIGN_IN_CALLBACK_PATH). */
  signInOAuth(): GoogleOAuth;
  tokens(): AccessTokenProvider;
  teardowns(): TeardownRegistry;
  log(): Logger;
}

export const OAUTH_CALLBACK_PATH = "/oauth/google/callback";
export const GOOGLE_SIGN_IN_CALLBACK_PATH = "/auth/google/callback";

export function redirectUriOf(config: IdentityConfig): string | undefined {
  if (config.OAUTH_REDIRECT_URL) return config.OAUTH_REDIRECT_URL;
  return config.PUBLIC_AUTH_URL
    ? `${config.PUBLIC_AUTH_URL.replace(/\/+$/, "")}${OAUTH_CALLBACK_PATH}`
    : undefined;
}

export function identityServices(deps: IdentityDeps): IdentityServices {
  const once = <T>(make: () => T) => {
    let value: T | undefined;
    return () => {
      value ??= make();
      return value;
    };
  };
  const log = () => deps.log ?? rootLogger();
  const grants = once(() => firestoreGrantRepository(deps.firestore()));
  const cipher = once(() => tokenCipher(deps.secrets));
  const oauthClient = (redirectUri: string | undefined) => {
    const clientId = deps.config.GOOGLE_OAUTH_CLIENT_ID;
    if (!clientId || !redirectUri) {
      throw new AppError(
        "not_ready",
        "Google integrations are not configured (GOOGLE_OAUTH_CLIENT_ID, OAUTH_REDIRECT_URL)",
      );
    }
    return googleOAuth({
      baseUrl: deps.config.GOOGLE_OAUTH_BASE_URL,
      clientId,
      redirectUri,
      clientSecret: () => deps.secrets.get(SECRET.oauthClientSecret),
    });
  };
  const oauth = once(() => deps.oauth ?? oauthClient(redirectUriOf(deps.config)));
  const signInOAuth = once(() =>
    oauthClient(
      deps.config.PUBLIC_AUTH_URL
        ? `${deps.config.PUBLIC_AUTH_URL.replace(/\/+$/, "")}${GOOGLE_SIGN_IN_CALLBACK_PATH}`
        : undefined,
    ),
  );
  const services: IdentityServices = {
    deps,
    db: () => deps.firestore(),
    grants,
    cipher,
    // once() caches only a built client: an unconfigured one keeps answering not_ready.
    oauth,
    signInOAuth,
    tokens: once(() =>
      accessTokenProvider({
        db: deps.firestore(),
        grants: grants(),
        cipher: cipher(),
        oauth: () => oauth(),
        publisher: deps.publisher,
        now: deps.clock,
        log: log(),
        instanceId: deps.instanceId ?? `instance-${randomUUID()}`,
      }),
    ),
    teardowns: once(() => deps.teardowns ?? defaultTeardowns(deps.firestore)),
    log,
  };
  return services;
}
