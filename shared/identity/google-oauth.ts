// The Google OAuth port (authorization URL, code exchange, refresh, revoke, id_token verification) and its
// adapter over google-auth-library's OAuth2Client. Endpoints come from GOOGLE_OAUTH_BASE_URL, so tests and
// the local stack point it at the Workspace simulator through configuration only.
import { CodeChallengeMethod, OAuth2Client, type OAuth2ClientOptions } from "google-auth-library";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { AppError } from "../platform/errors";
import { parseScopes } from "./integrations";

type Endpoints = NonNullable<OAuth2ClientOptions["endpoints"]>;

const GOOGLE_OAUTH_BASE = "https://oauth2.googleapis.com/";
const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"];

/**
 * Google spreads its endpoints over three hosts; the simulator serves them all under one base, in the
 * same paths. The default base means real Google.
 */
export function oauthEndpoints(baseUrl: string): Endpoints & { jwksUrl: string } {
  if (new URL(baseUrl).href === GOOGLE_OAUTH_BASE) {
    return {
      oauth2AuthBaseUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      oauth2TokenUrl: "https://oauth2.googleapis.com/token",
      oauth2RevokeUrl: "https://oauth2.googleapis.com/revoke",
      tokenInfoUrl: "https://oauth2.googleapis.com/tokeninfo",
      oauth2FederatedSignonPemCertsUrl: "https://www.googleapis.com/oauth2/v1/certs",
      oauth2FederatedSignonJwkCertsUrl: "https://www.googleapis.com/oauth2/v3/certs",
      jwksUrl: "https://www.googleapis.com/oauth2/v3/certs",
    };
  }
  const base = baseUrl.replace(/\/+$/, "");
  return {
    oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
    oauth2TokenUrl: `${base}/token`,
    oauth2RevokeUrl: `${base}/revoke`,
    tokenInfoUrl: `${base}/tokeninfo`,
    oauth2FederatedSignonPemCertsUrl: `${base}/oauth2/v1/certs`,
    oauth2FederatedSignonJwkCertsUrl: `${base}/oauth2/v3/certs`,
    jwksUrl: `${base}/oauth2/v3/certs`,
  };
}

export interface TokenSet {
  accessToken: string;
  /** Seconds the access token lives, as Google said (the caller applies its own clock). */
  expiresIn: number;
  /** What was really granted (granular consent may grant less than asked). */
  scopes: string[];
  /** Only on first consent, or when Google rotates it. */
  refreshToken?: string;
  idToken?: string;
}

export interface GoogleIdentity {
  sub: string;
  email: string;
  emailVerified: boolean;
  /** The Workspace domain; absent for consumer accounts. */
  hd?: string;
  nonce?: string;
  name?: string;
}

/** The refresh token is dead (revoked, expired, superseded): only a new consent helps. */
export class InvalidGrantError extends Error {
  constructor(readonly description: string) {
    super(`invalid_grant: ${description}`);
    this.name = "InvalidGrantError";
  }
}

export interface GoogleOAuth {
  readonly clientId: string;
  authorizationUrl(input: {
    scopes: string[];
    state: string;
    codeChallenge: string;
    loginHint?: string;
    forceConsent?: boolean;
    /** Sign-in: bound into the id_token, checked on return. */
    nonce?: string;
    /** Sign-in: which Workspace domain's accounts the chooser offers (a hint; the id_token's hd decides). */
    hd?: string;
  }): string;
  exchangeCode(code: string, codeVerifier: string): Promise<TokenSet>;
  /** Throws InvalidGrantError when Google answers invalid_grant. */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** Revokes the token and with it the whole grant at Google. An already-dead token counts as revoked. */
  revoke(token: string): Promise<void>;
  verifyIdToken(idToken: string): Promise<GoogleIdentity>;
}

export interface GoogleOAuthSettings {
  baseUrl: string;
  clientId: string;
  redirectUri: string;
  /** Read on first use (Secret Manager), never at construction. */
  clientSecret: () => Promise<string>;
}

// refreshToken() is protected in OAuth2Client; this subclass exposes it (it also collapses concurrent
// refreshes of one token within the instance).
class Client extends OAuth2Client {
  refreshWith(refreshToken: string) {
    return this.refreshToken(refreshToken);
  }
}

interface RawTokens {
  access_token?: string | null;
  refresh_token?: string | null;
  id_token?: string | null;
  scope?: string | null;
  expiry_date?: number | null;
}

function toTokenSet(tokens: RawTokens): TokenSet {
  if (!tokens.access_token) throw new AppError("upstream_unavailable", "Google returned no access token");
  // The library turned expires_in into a wall-clock expiry_date a moment ago; turn it back.
  const expiresIn = tokens.expiry_date
    ? Math.max(0, Math.round((tokens.expiry_date - Date.now()) / 1000))
    : 3599;
  const set: TokenSet = { accessToken: tokens.access_token, expiresIn, scopes: parseScopes(tokens.scope) };
  if (tokens.refresh_token) set.refreshToken = tokens.refresh_token;
  if (tokens.id_token) set.idToken = tokens.id_token;
  return set;
}

// Gaxios errors, duck-typed: importing gaxios here could bundle a second copy and break instanceof.
const responseOf = (error: unknown) =>
  (error as { response?: { status?: number; data?: unknown } } | null)?.response;
const oauthErrorOf = (error: unknown) =>
  responseOf(error)?.data as { error?: string; error_description?: string } | undefined;

function upstream(action: string, error: unknown): AppError {
  const status = responseOf(error)?.status;
  const code = oauthErrorOf(error)?.error;
  // 4xx other than invalid_grant means our request or client is wrong: retrying will not help.
  const retryable = status === undefined || status >= 500 || status === 429;
  return new AppError("upstream_unavailable", `Google OAuth ${action} failed${code ? `: ${code}` : ""}`, {
    retryable,
    cause: error,
  });
}

export function googleOAuth(settings: GoogleOAuthSettings): GoogleOAuth {
  const { jwksUrl, ...endpoints } = oauthEndpoints(settings.baseUrl);
  // Cached, and fetched again when a token names a kid the cache lacks (Google rotates its keys). No
  // cooldown between such refetches: id_tokens only ever come from Google's token endpoint over the back
  // channel, never from a browser, so nobody outside can make us refetch.
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 0 });
  let client: Promise<Client> | undefined;
  const getClient = () => {
    client ??= settings.clientSecret().then(
      (clientSecret) =>
        new Client({
          clientId: settings.clientId,
          clientSecret,
          redirectUri: settings.redirectUri,
          endpoints,
        }),
    );
    client.catch(() => (client = undefined));
    return client;
  };
  // generateAuthUrl needs no secret: a separate client keeps the URL synchronous.
  const urlClient = new OAuth2Client({
    clientId: settings.clientId,
    redirectUri: settings.redirectUri,
    endpoints,
  });

  return {
    clientId: settings.clientId,
    authorizationUrl({ scopes, state, codeChallenge, loginHint, forceConsent, nonce, hd }) {
      return urlClient.generateAuthUrl({
        access_type: "offline",
        include_granted_scopes: true,
        scope: scopes,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: CodeChallengeMethod.S256,
        ...(loginHint ? { login_hint: loginHint } : {}),
        ...(forceConsent ? { prompt: "consent" } : {}),
        ...(nonce ? { nonce } : {}),
        ...(hd ? { hd } : {}),
      });
    },
    async exchangeCode(code, codeVerifier) {
      const c = await getClient();
      try {
        const { tokens } = await c.getToken({ code, codeVerifier });
        return toTokenSet(tokens);
      } catch (error) {
        if (oauthErrorOf(error)?.error === "invalid_grant")
          throw new AppError("invalid_request", "The authorization code is invalid or was already used", {
            cause: error,
          });
        throw upstream("code exchange", error);
      }
    },
    async refresh(refreshToken) {
      const c = await getClient();
      try {
        const { tokens } = await c.refreshWith(refreshToken);
        return toTokenSet(tokens);
      } catch (error) {
        const body = oauthErrorOf(error);
        if (body?.error === "invalid_grant")
          throw new InvalidGrantError(body.error_description ?? "invalid_grant");
        throw upstream("refresh", error);
      }
    },
    async revoke(token) {
      const c = await getClient();
      try {
        await c.revokeToken(token);
      } catch (error) {
        // 400 invalid_token: the token (and so the grant) is already dead, which is what we wanted.
        if (responseOf(error)?.status === 400) return;
        throw upstream("revoke", error);
      }
    },
    async verifyIdToken(idToken) {
      try {
        const { payload } = await jwtVerify(idToken, jwks, {
          issuer: GOOGLE_ISSUERS,
          audience: settings.clientId,
          algorithms: ["RS256"],
          clockTolerance: 30,
        });
        if (typeof payload.sub !== "string" || typeof payload.email !== "string")
          throw new Error("id_token lacks sub or email");
        return {
          sub: payload.sub,
          email: payload.email.toLowerCase(),
          emailVerified: payload.email_verified === true,
          ...(typeof payload.hd === "string" ? { hd: payload.hd.toLowerCase() } : {}),
          ...(typeof payload.nonce === "string" ? { nonce: payload.nonce } : {}),
          ...(typeof payload.name === "string" ? { name: payload.name } : {}),
        };
      } catch (error) {
        throw new AppError("unauthenticated", "Google's id_token did not verify", { cause: error });
      }
    },
  };
}
