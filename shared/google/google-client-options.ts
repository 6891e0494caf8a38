// Options for the @googleapis/* clients: the API root from configuration (Google, or the Workspace
// simulator locally), and credentials from the token vault for one user's integration.
import type { GaxiosOptions, GaxiosResponse } from "gaxios";
import { OAuth2Client } from "google-auth-library";
import { classifyGoogleError } from "./google-errors";
import type { TokenSource, TokenUser } from "./token-source";

export interface GoogleApiTarget {
  /** GOOGLE_API_ROOT_URL, with a trailing slash. */
  rootUrl: string;
}

/**
 * An OAuth2Client whose tokens come from the vault: google-auth-library calls its refreshHandler whenever
 * it has no token or the one it has is expiring, and the vault answers (cached, or refreshed single-flight).
 * A 401 (never a 403: that is scopes or quota) means Google refused a token that had not expired: the
 * vault forgets it and the request is sent once more with a refreshed one; a second 401 marks the grant
 * needs_reauth (the vault throws that), so the user is asked to reconnect instead of work silently stopping.
 */
class VaultAuthClient extends OAuth2Client {
  constructor(
    private readonly tokens: TokenSource,
    private readonly user: TokenUser,
    private readonly integration: string,
  ) {
    super();
    this.refreshHandler = async () => {
      const token = await tokens.getAccessToken(user, integration);
      return { access_token: token.token, expiry_date: token.expiresAt.getTime() };
    };
  }

  protected override async requestAsync<T>(
    opts: GaxiosOptions,
    reAuthRetried = false,
  ): Promise<GaxiosResponse<T>> {
    try {
      // `true`: the library's own re-auth (on 401 and 403 alike) is replaced by the one below.
      return await super.requestAsync<T>(opts, true);
    } catch (error) {
      const refused = this.credentials.access_token;
      if (classifyGoogleError(error).kind !== "unauthenticated" || !refused) throw error;
      await this.tokens.tokenRefused(this.user, this.integration, refused, reAuthRetried);
      if (reAuthRetried) throw error;
      this.credentials = {};
      return this.requestAsync<T>(opts, true);
    }
  }
}

export function userAuthClient(tokens: TokenSource, user: TokenUser, integration: string): OAuth2Client {
  return new VaultAuthClient(tokens, user, integration);
}

/** The common part of every client's options; retries are ours (withGoogleRetry), not the client's. */
export const clientOptions = (target: GoogleApiTarget, auth: OAuth2Client) => ({
  rootUrl: target.rootUrl.endsWith("/") ? target.rootUrl : `${target.rootUrl}/`,
  auth,
  retry: false,
});
