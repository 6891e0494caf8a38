// The directory capability's services: snapshot, sync state, settings, the org's Directory API (from
// its connection), provisioning's apply dependencies and identity's offboarding, built from a few
// ports so tests pass emulator- and simulator-backed ones. The composition root (shared/wiring) builds
// them once per process over the process's one identity services.
import type { Firestore } from "@google-cloud/firestore";
import { firestoreUserRepository } from "../accounts";
import { cachedClient } from "../google/cached-client";
import { DIRECTORY_API_METHODS, type DirectoryApi, googleDirectoryApi } from "../google/directory-api";
import {
  DIRECTORY_SA_KEY_SECRET,
  type DirectoryConnection,
  directoryAuthClient,
} from "../google/directory-auth";
import type { RetryOptions } from "../google/retry";
import {
  type AccessTokenProvider,
  type IdentityServices,
  INTEGRATIONS,
  type UserOffboarding,
} from "../identity";
import { AppError } from "../platform/errors";
import { type Logger, logger as rootLogger } from "../platform/logger";
import { type WatchChannelLedger, watchChannelLedger } from "../platform/watch-channel-ledger";
import { firestoreDirectorySnapshot, newOpCounter, type OpCounter } from "./directory-snapshot";
import type { DirectorySyncDeps } from "./directory-sync";
import { firestoreProvisioningSettings } from "./provisioning-settings";
import { firestoreSyncState } from "./sync-state";
import { isSwitchboardPhone } from "./writeback/writeback-merge";

export interface DirectoryEnvironment {
  /** The process's identity services: its ports (Firestore, secrets, publisher, clock) and token vault. */
  identity: IdentityServices;
  /** What identity does when provisioning removes a person (sessions, teardowns, grants). */
  offboarding: UserOffboarding;
  apiRootUrl: string;
  oauthBaseUrl: string;
  /** Base URL of the webhooks function; no watch channels without it. */
  webhooksUrl: string | undefined;
  retry?: RetryOptions;
  log?: Logger;
  /** Replaces the org's Directory API (tests that wrap it). */
  directoryApi?: (orgId: string, connection: DirectoryConnection) => Promise<DirectoryApi>;
  stepBudgetMs?: number;
}

export interface DirectoryServices extends DirectorySyncDeps {
  env: DirectoryEnvironment;
  /** The one watch-channel ledger (directory's users.watch channels). */
  ledger: WatchChannelLedger;
  /** The token vault (admin grants). */
  tokens: () => AccessTokenProvider;
  ops: OpCounter;
  webhookAddress: string | undefined;
}

export function directoryServices(env: DirectoryEnvironment): DirectoryServices {
  const db: Firestore = env.identity.db();
  const ops = newOpCounter();
  const identity = env.identity;
  const settings = firestoreProvisioningSettings(db);
  const log = env.log ?? rootLogger();
  const apis = new Map<string, { key: string; api: DirectoryApi }>();
  return {
    env,
    tokens: () => identity.tokens(),
    ledger: watchChannelLedger(db),
    ops,
    db,
    snapshot: firestoreDirectorySnapshot(db, ops),
    syncState: firestoreSyncState(db, ops),
    settings,
    clock: identity.deps.clock,
    log,
    ...(env.stepBudgetMs !== undefined ? { stepBudgetMs: env.stepBudgetMs } : {}),
    webhookAddress: env.webhooksUrl ? `${env.webhooksUrl.replace(/\/+$/, "")}/webhooks/directory` : undefined,
    async directoryApi(orgId) {
      const connection = await settings.connection(orgId);
      if (!connection)
        throw new AppError("not_ready", `Organisation ${orgId} has not connected its directory`);
      if (env.directoryApi) return env.directoryApi(orgId, connection);
      // One client per org and connection per instance: a delegated token serves every push until it expires.
      const key = JSON.stringify(connection);
      const cached = apis.get(orgId);
      if (cached?.key === key) return cached.api;
      const api = cachedClient(async () => {
        const auth = await directoryAuthClient(
          {
            tokens: () => identity.tokens(),
            serviceAccountKey: () => identity.deps.secrets.get(DIRECTORY_SA_KEY_SECRET),
            oauthBaseUrl: env.oauthBaseUrl,
          },
          orgId,
          connection,
          { integration: "directory", scopes: INTEGRATIONS.directory.scopes },
        );
        return googleDirectoryApi({ rootUrl: env.apiRootUrl }, auth, {
          ignorePhone: isSwitchboardPhone,
          ...(env.retry ? { retry: env.retry } : {}),
        });
      }, DIRECTORY_API_METHODS);
      apis.set(orgId, { key, api });
      return api;
    },
    apply: {
      users: firestoreUserRepository(db),
      db: () => db,
      publisher: identity.deps.publisher,
      offboarding: env.offboarding,
      clock: identity.deps.clock,
      log,
    },
  };
}
