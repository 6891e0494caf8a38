// Options for the @googleapis/* clients: the API root from configuration (Google, or the Workspace
// simulator locally), and credentials from the token vault for one user's integration.
import { OAuth2Client } from "google-auth-library";
import type { TokenSource, TokenUser } from "./token-source";

export interface GoogleApiTarget {
  /** GOOGLE_API_ROOT_URL, with a trailing slash. */
  rootUrl: string;
}

/**
 * An OAuth2Client whose tokens come from the vault: google-auth-library calls its refreshHandler whenever
 * it has no token or the one it has is expiring, and the vault answers (cached, or refreshed single-flight).
 */
export function userAuthClient(tokens: TokenSource, user: TokenUser, integration: string): OAuth2Client {
  const client = new OAuth2Client();
  client.refreshHandler = async () => {
    const token = await tokens.getAccessToken(user, integration);
    return { access_token: token.token, expiry_date: token.expiresAt.getTime() };
  };
  return client;
}

/** The common part of every client's options; retries are ours (withGoogleRetry), not the client's. */
export const clientOptions = (target: GoogleApiTarget, auth: OAuth2Client) => ({
  rootUrl: target.rootUrl.endsWith("/") ? target.rootUrl : `${target.rootUrl}/`,
  auth,
  retry: false,
});
