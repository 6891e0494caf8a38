// Directory write-back's composition over the directory services: the records, the switch, the
// accounts, and the org's Directory API with the write scope. Whether that scope is granted is found
// out before any write: the admin's `directory-writeback` grant (admin_grant), or the service account's
// delegation (a token request Google refuses with unauthorized_client when the scope is not authorised).
import type { JWT, OAuth2Client } from "google-auth-library";
import { DIRECTORY_SA_KEY_SECRET, directoryAuthClient } from "../../google/directory-auth";
import { type DirectoryProfileApi, googleDirectoryProfileApi } from "../../google/directory-profile-api";
import { INTEGRATIONS } from "../../identity";
import { AppError } from "../../platform/errors";
import { perMinuteLimiter } from "../../platform/rate-limiter";
import type { DirectoryServices } from "../directory-services";
import { firestoreWriteBackRecords } from "./writeback-records";
import { firestoreWriteBackSettings } from "./writeback-settings";
import { needsPermission, type WriteBackDeps } from "./writeback-user";

/**
 * Google allows 2,400 Directory queries a minute per admin; write-back runs on at most two instances
 * (functions/manifest.json) and leaves room for the directory sync, which calls as the same admin.
 */
export const WRITE_BACK_CALLS_PER_MINUTE = 600;

const CONNECT_HINT =
  "connect the directory-writeback integration (POST /v1/integrations/directory-writeback/connect) as the admin who connected the directory, then save the write-back settings again";
const DELEGATION_HINT =
  "authorise https://www.googleapis.com/auth/admin.directory.user for the service account's client ID under domain-wide delegation in the Google Admin console, then save the write-back settings again";

function isUnauthorizedClient(error: unknown): boolean {
  const data = (error as { response?: { data?: { error?: unknown } } } | null)?.response?.data;
  return data?.error === "unauthorized_client" || data?.error === "access_denied";
}

export function writeBackDeps(directory: DirectoryServices): WriteBackDeps {
  const { env } = directory;
  const limiter = perMinuteLimiter(WRITE_BACK_CALLS_PER_MINUTE);
  // One auth client per org and connection per instance, so a delegated token is reused until it expires.
  const clients = new Map<string, { key: string; auth: OAuth2Client }>();
  const identity = () => env.identity;
  return {
    records: firestoreWriteBackRecords(directory.db, directory.ops),
    settings: firestoreWriteBackSettings(directory.db),
    users: directory.apply.users,
    publisher: env.identity.deps.publisher,
    clock: directory.clock,
    log: directory.log,
    async profileApi(orgId): Promise<DirectoryProfileApi> {
      const connection = await directory.settings.connection(orgId);
      if (!connection) throw needsPermission("Connect the directory before turning write-back on");
      const tokens = directory.tokens();
      if (connection.mode === "admin_grant") {
        try {
          await tokens.getAccessToken({ orgId, userId: connection.adminUserId }, "directory-writeback");
        } catch (error) {
          if (error instanceof AppError && error.code === "precondition_failed")
            throw needsPermission(
              `Write-back needs permission to edit Workspace users: ${CONNECT_HINT}`,
              error,
            );
          throw error;
        }
      }
      const key = JSON.stringify(connection);
      let auth = clients.get(orgId)?.key === key ? clients.get(orgId)?.auth : undefined;
      if (!auth) {
        auth = await directoryAuthClient(
          {
            tokens: () => tokens,
            serviceAccountKey: () => identity().deps.secrets.get(DIRECTORY_SA_KEY_SECRET),
            oauthBaseUrl: env.oauthBaseUrl,
          },
          orgId,
          connection,
          { integration: "directory-writeback", scopes: INTEGRATIONS["directory-writeback"].scopes },
        );
        clients.set(orgId, { key, auth });
      }
      if (connection.mode === "delegation") {
        try {
          await (auth as JWT).getAccessToken();
        } catch (error) {
          if (isUnauthorizedClient(error))
            throw needsPermission(`Write-back needs permission to edit Workspace users: ${DELEGATION_HINT}`);
          throw new AppError("upstream_unavailable", "Google's token service did not answer", {
            retryable: true,
            cause: error,
          });
        }
      }
      const api = googleDirectoryProfileApi(
        { rootUrl: env.apiRootUrl },
        auth,
        env.retry ? { retry: env.retry } : {},
      );
      // A refusal may mean the cached credentials went stale (a key rotated, a grant replaced): rebuild next time.
      const evictOnRefusal = async <T>(call: () => Promise<T>): Promise<T> => {
        await limiter.acquire(orgId);
        try {
          return await call();
        } catch (error) {
          if (error instanceof AppError && error.code === "forbidden") clients.delete(orgId);
          throw error;
        }
      };
      return {
        getProfile: (userKey) => evictOnRefusal(() => api.getProfile(userKey)),
        updateProfile: (userKey, update, ifMatch) =>
          evictOnRefusal(() => api.updateProfile(userKey, update, ifMatch)),
      };
    },
  };
}
