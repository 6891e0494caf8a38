// Fixtures for identity's tests (not a test file): a simulator with an OAuth client and a small org, an
// in-memory secret store with real key rings, ports wired to the emulators, and grants minted at the sim.
import { Firestore } from "@google-cloud/firestore";
import type { z } from "zod";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../../tools/workspace-sim/src/index";
import { createLogger } from "../../platform/logger";
import type { MessageType } from "../../platform/messages";
import type { EventPublisher } from "../../platform/pubsub";
import type { SecretStore } from "../../platform/secrets";
import { type Grant, grantIdFor } from "../grant-repository";
import { type IdentityDeps, type IdentityServices, identityServices } from "../identity-services";
import { IDENTITY_SCOPES, INTEGRATIONS, type IntegrationName, parseScopes } from "../integrations";
import { SECRET } from "../secret-names";
import { newSigningKeyRing } from "../signing-keys";
import { newTokenKeyRing } from "../token-cipher";

export const CLIENT = {
  clientId: "switchboard-identity-test.apps.googleusercontent.com",
  clientSecret: "GOCSPX-identity-test-secret",
};
export const ORG = "org-acme";
export const USERS = {
  ada: { userId: "u-ada", email: "ada@acme.test", role: "admin" as const },
  alice: { userId: "u-alice", email: "alice@acme.test", role: "user" as const },
  bob: { userId: "u-bob", email: "bob@acme.test", role: "user" as const },
  dave: { userId: "u-dave", email: "dave@acme.test", role: "user" as const },
  erin: { userId: "u-erin", email: "erin@acme.test", role: "user" as const },
};
export type TestUser = (typeof USERS)[keyof typeof USERS];

export const silentLog = createLogger({ write: () => {} });

export function memorySecrets(values: Record<string, string>): SecretStore {
  return {
    get: async (name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no secret ${name}`);
      return value;
    },
  };
}

export async function testSecrets(): Promise<SecretStore> {
  return memorySecrets({
    [SECRET.tokenEncryptionKeys]: newTokenKeyRing("test-1"),
    [SECRET.oauthClientSecret]: CLIENT.clientSecret,
    [SECRET.sessionSigningKeys]: await newSigningKeyRing(),
  });
}

/** A simulator with the acme org and our OAuth client; `redirectUris` must list the callback under test. */
export function startSim(
  redirectUris: string[] = ["http://127.0.0.1:9/oauth/google/callback"],
): Promise<RunningWorkspaceSim> {
  const user = (u: TestUser, givenName: string) => ({
    email: u.email,
    givenName,
    familyName: "Acme",
    isAdmin: u.role === "admin",
  });
  return startWorkspaceSim({
    seed: {
      domain: "acme.test",
      users: [
        user(USERS.ada, "Ada"),
        user(USERS.alice, "Alice"),
        user(USERS.bob, "Bob"),
        user(USERS.dave, "Dave"),
        user(USERS.erin, "Erin"),
      ],
      oauthClients: [{ ...CLIENT, redirectUris }],
    },
    saml: false,
  });
}

/** Publishes nowhere; remembers every message. */
export function recordingPublisher(): EventPublisher & {
  messages: Array<{ topic: string; payload: unknown }>;
} {
  const messages: Array<{ topic: string; payload: unknown }> = [];
  return {
    messages,
    async publish<S extends z.ZodType>(type: MessageType<S>, payload: z.infer<S>) {
      messages.push({ topic: type.topic, payload: type.schema.parse(payload) });
      return String(messages.length);
    },
  };
}

export function testDeps(
  sim: RunningWorkspaceSim,
  options: {
    projectId: string;
    secrets: SecretStore;
    publisher: EventPublisher;
    db?: Firestore;
    redirectUri?: string;
    origins?: string[];
    instanceId?: string;
  },
): IdentityDeps & { db: Firestore } {
  const db = options.db ?? new Firestore({ projectId: options.projectId });
  return {
    db,
    firestore: () => db,
    secrets: options.secrets,
    publisher: options.publisher,
    // One clock with the simulator, so a jump of its clock ages our cached tokens too.
    clock: () => sim.control.now(),
    config: {
      GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
      GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
      OAUTH_REDIRECT_URL: options.redirectUri ?? "http://127.0.0.1:9/oauth/google/callback",
      PUBLIC_AUTH_URL: undefined,
      ALLOWED_RETURN_ORIGINS: options.origins ?? ["https://app.acme.test"],
      DEFAULT_RETURN_URL: undefined,
    },
    log: silentLog,
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
  };
}

/**
 * A grant as the consent callback would store it, with tokens minted at the simulator (past the consent
 * screen). Returns the grant and the plaintext refresh token (for tests that check it died).
 */
export async function seedGrant(
  services: IdentityServices,
  sim: RunningWorkspaceSim,
  user: TestUser,
  options: {
    integrations: IntegrationName[];
    scopes?: string[];
    /** When the cached access token expires, relative to the sim clock; negative = already expired. */
    expiresInMs?: number;
    keepAlive?: boolean;
    lastUsedAt?: Date;
  },
): Promise<{ grant: Grant; refreshToken: string }> {
  const scopes = options.scopes ?? options.integrations.flatMap((n) => INTEGRATIONS[n].scopes);
  const tokens = sim.control.issueTokens({
    user: user.email,
    clientId: CLIENT.clientId,
    scopes: [...IDENTITY_SCOPES, ...scopes],
  });
  const sub = String(sim.control.userResource(user.email).id);
  const key = { orgId: ORG, userId: user.userId, grantId: grantIdFor(CLIENT.clientId, sub) };
  const now = sim.control.now();
  const cipher = services.cipher();
  const grant: Grant = {
    ...key,
    clientId: CLIENT.clientId,
    googleSub: sub,
    googleEmail: user.email,
    integrations: [...options.integrations].sort(),
    scopes: parseScopes(tokens.scope),
    refreshToken: await cipher.seal(tokens.refresh_token!, { ...key, field: "refresh_token" }),
    version: 1,
    status: "connected",
    lastError: null,
    lastErrorAt: null,
    accessToken: await cipher.seal(tokens.access_token, { ...key, field: "access_token" }),
    accessTokenExpiresAt: new Date(now.getTime() + (options.expiresInMs ?? 3599_000)),
    keepAlive: options.keepAlive ?? false,
    createdAt: now,
    updatedAt: now,
    lastUsedAt: options.lastUsedAt ?? now,
    lastRefreshedAt: now,
  };
  await services.grants().mutate(key, () => ({ write: grant }));
  return { grant, refreshToken: tokens.refresh_token! };
}

export const identity = (deps: IdentityDeps) => identityServices(deps);
