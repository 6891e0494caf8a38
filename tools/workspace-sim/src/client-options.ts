// Helpers that point Google's own client packages at a running simulator, so production code and
// tests differ only in configuration (rootUrl, OAuth endpoints), never in code paths.
import { JWT, OAuth2Client, type OAuth2ClientOptions } from "google-auth-library";

type OAuth2ClientEndpoints = NonNullable<OAuth2ClientOptions["endpoints"]>;

const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** `{ rootUrl, auth }` for `people({ version: "v1", ...})` or `admin({ version: "directory_v1", ...})`. */
export function googleApiOptions<A>(simUrl: string, auth: A): { rootUrl: string; auth: A } {
  return { rootUrl: `${simUrl.replace(/\/+$/, "")}/`, auth };
}

/** Endpoint overrides for google-auth-library's OAuth2Client. */
export function simOAuthEndpoints(simUrl: string): OAuth2ClientEndpoints {
  const base = simUrl.replace(/\/+$/, "");
  return {
    oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
    oauth2TokenUrl: `${base}/token`,
    oauth2RevokeUrl: `${base}/revoke`,
    tokenInfoUrl: `${base}/tokeninfo`,
    oauth2FederatedSignonPemCertsUrl: `${base}/oauth2/v1/certs`,
    oauth2FederatedSignonJwkCertsUrl: `${base}/oauth2/v3/certs`,
  };
}

export function simOAuth2Client(
  simUrl: string,
  client: { clientId: string; clientSecret: string; redirectUri?: string },
): OAuth2Client {
  return new OAuth2Client({ ...client, endpoints: simOAuthEndpoints(simUrl) });
}

interface HasTransporter {
  transporter: {
    interceptors: {
      request: {
        add(interceptor: {
          resolved?: (opts: { url: URL | string }) => Promise<{ url: URL | string }>;
        }): unknown;
      };
    };
  };
}

/**
 * google-auth-library's JWT client posts to a hard-coded https://oauth2.googleapis.com/token; this
 * redirects that one URL to the simulator (the assertion keeps Google's audience, which the sim accepts).
 */
export function routeTokenRequestsToSim<T extends HasTransporter>(client: T, simUrl: string): T {
  const target = `${simUrl.replace(/\/+$/, "")}/token`;
  client.transporter.interceptors.request.add({
    resolved: async (opts) => {
      if (opts.url.toString() === GOOGLE_TOKEN_URL) opts.url = new URL(target);
      return opts;
    },
  });
  return client;
}

/** A service-account client (domain-wide delegation when `subject` is set) that gets tokens from the sim. */
export function simServiceAccountClient(
  simUrl: string,
  key: { client_email: string; private_key: string },
  opts: { scopes: string[]; subject?: string },
): JWT {
  const jwt = new JWT({
    email: key.client_email,
    key: key.private_key,
    scopes: opts.scopes,
    ...(opts.subject ? { subject: opts.subject } : {}),
  });
  return routeTokenRequestsToSim(jwt as unknown as HasTransporter, simUrl) as unknown as JWT;
}
