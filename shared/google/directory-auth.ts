// Credentials for the Directory API, in either of the two ways an admin connects it
// (docs/google-behaviour.md#directory-credentials):
// their own admin grant from the token vault (`directory` integration), or domain-wide delegation with a
// service-account key (Secret Manager `directory-sa-key`) impersonating a named admin.
import { JWT, type OAuth2Client } from "google-auth-library";
import { userAuthClient } from "./google-client-options";
import type { TokenSource } from "./token-source";

export const DIRECTORY_SA_KEY_SECRET = "directory-sa-key";
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

export type DirectoryConnection =
  | { mode: "admin_grant"; adminUserId: string }
  | { mode: "delegation"; impersonate: string };

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
}

interface Interceptable {
  interceptors: {
    request: { add(i: { resolved?: (o: { url: URL | string }) => Promise<{ url: URL | string }> }): unknown };
  };
}

/**
 * A JWT (domain-wide delegation) client. google-auth-library's JWT (via gtoken) posts to a hard-coded
 * https://oauth2.googleapis.com/token with no option to change it, so when GOOGLE_OAUTH_BASE_URL names
 * another token service (the simulator locally), a request interceptor on the client's own transporter
 * redirects that one URL. Production (the default base URL) adds nothing.
 */
export function delegationAuthClient(
  key: ServiceAccountKey,
  subject: string,
  oauthBaseUrl: string,
  scopes: readonly string[],
): JWT {
  const jwt = new JWT({ email: key.client_email, key: key.private_key, scopes: [...scopes], subject });
  const tokenUrl = `${oauthBaseUrl.replace(/\/+$/, "")}/token`;
  if (tokenUrl !== GOOGLE_TOKEN_URL) {
    (jwt.transporter as unknown as Interceptable).interceptors.request.add({
      resolved: async (opts) => {
        if (opts.url.toString() === GOOGLE_TOKEN_URL) opts.url = new URL(tokenUrl);
        return opts;
      },
    });
  }
  return jwt;
}

export interface DirectoryAuthDeps {
  tokens: () => TokenSource;
  serviceAccountKey: () => Promise<string>;
  oauthBaseUrl: string;
}

/**
 * The auth client for an org's connection: `directory` (read) or `directory-writeback` (users.update).
 * The write scope is its own integration, asked for only when an admin turns write-back on, and under
 * delegation the super admin must have authorised it for the service account too.
 */
export async function directoryAuthClient(
  deps: DirectoryAuthDeps,
  orgId: string,
  connection: DirectoryConnection,
  /** The integration whose grant (admin_grant) or scopes (delegation) the client uses. */
  access: { integration: string; scopes: readonly string[] },
): Promise<OAuth2Client> {
  if (connection.mode === "admin_grant") {
    return userAuthClient(deps.tokens(), { orgId, userId: connection.adminUserId }, access.integration);
  }
  const key = JSON.parse(await deps.serviceAccountKey()) as ServiceAccountKey;
  return delegationAuthClient(key, connection.impersonate, deps.oauthBaseUrl, access.scopes);
}
