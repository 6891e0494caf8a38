// Grants, authorization codes, refresh tokens and access tokens. A grant is one user's authorisation
// of one OAuth client; revoking any token of it kills every token of it, as Google does, though not at
// once: the tokens keep working for `revocationLagMs` ("it might take some time before the revocation
// has full effect", Google's OAuth web-server guide; the harsher reading, README "Token failures").
import { accessTokenValue, authCodeValue, refreshTokenValue } from "../ids";

export interface Grant {
  key: string;
  userId: string;
  clientId: string;
  scopes: Set<string>;
  /** Refresh tokens in issue order (oldest first). */
  refreshTokens: RefreshToken[];
}

export interface RefreshToken {
  value: string;
  grantKey: string;
  scopes: string[];
  issuedAt: number;
  lastUsedAt: number;
  testingMode: boolean;
  dead?: "revoked" | "superseded";
  /** When it died (sim clock): Google forgets dead tokens after a while and says just "Bad Request". */
  diedAt?: number;
}

export interface AccessToken {
  value: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  userId?: string;
  serviceAccount?: string;
  grantKey?: string;
  offline: boolean;
  /** Revoked at (sim clock); refused once the revocation has propagated. */
  revokedAt?: number;
}

export interface AuthCode {
  value: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  offline: boolean;
  issueRefreshToken: boolean;
  nonce?: string;
  expiresAt: number;
  used: boolean;
}

export class TokenStore {
  readonly grants = new Map<string, Grant>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly refresh = new Map<string, RefreshToken>();
  private readonly access = new Map<string, AccessToken>();

  grant(userId: string, clientId: string): Grant {
    const key = `${userId}|${clientId}`;
    let g = this.grants.get(key);
    if (!g) {
      g = { key, userId, clientId, scopes: new Set(), refreshTokens: [] };
      this.grants.set(key, g);
    }
    return g;
  }

  saveCode(code: Omit<AuthCode, "value" | "used">): string {
    const value = authCodeValue();
    this.codes.set(value, { ...code, value, used: false });
    return value;
  }

  code(value: string): AuthCode | undefined {
    return this.codes.get(value);
  }

  /** Issues a refresh token; beyond `max` live tokens for the grant, the oldest silently dies. */
  issueRefreshToken(
    grant: Grant,
    scopes: string[],
    testingMode: boolean,
    now: number,
    max: number,
  ): RefreshToken {
    const token: RefreshToken = {
      value: refreshTokenValue(),
      grantKey: grant.key,
      scopes,
      issuedAt: now,
      lastUsedAt: now,
      testingMode,
    };
    grant.refreshTokens.push(token);
    this.refresh.set(token.value, token);
    const live = grant.refreshTokens.filter((t) => !t.dead);
    for (let i = 0; i < live.length - max; i++) Object.assign(live[i]!, { dead: "superseded", diedAt: now });
    grant.refreshTokens = grant.refreshTokens.filter((t) => !t.dead || t.dead === "revoked");
    return token;
  }

  refreshToken(value: string): RefreshToken | undefined {
    return this.refresh.get(value);
  }

  issueAccessToken(token: Omit<AccessToken, "value">): AccessToken {
    const at: AccessToken = { ...token, value: accessTokenValue() };
    this.access.set(at.value, at);
    return at;
  }

  accessToken(value: string): AccessToken | undefined {
    return this.access.get(value);
  }

  /** Revokes the grant behind an access or refresh token. Returns false for an unknown token. */
  revoke(value: string, now: number): boolean {
    const grantKey = this.refresh.get(value)?.grantKey ?? this.access.get(value)?.grantKey;
    const access = this.access.get(value);
    if (!grantKey) {
      if (access) access.revokedAt ??= now;
      return access !== undefined;
    }
    this.revokeGrant(grantKey, now);
    return true;
  }

  /** Every token of the grant dies; each keeps working until the revocation has propagated. */
  revokeGrant(grantKey: string, now: number): void {
    const grant = this.grants.get(grantKey);
    if (grant) {
      for (const t of grant.refreshTokens) {
        if (t.dead) continue;
        t.dead = "revoked";
        t.diedAt = now;
      }
      grant.scopes.clear();
    }
    for (const at of this.access.values()) if (at.grantKey === grantKey) at.revokedAt ??= now;
  }

  /**
   * Access tokens that die before their expiry while the refresh token lives on (as when Google
   * invalidates a session): every call with them answers 401 at once.
   */
  killAccessTokens(matches: (token: AccessToken) => boolean): number {
    let killed = 0;
    for (const [value, at] of this.access) {
      if (!matches(at)) continue;
      this.access.delete(value);
      killed++;
    }
    return killed;
  }

  /** Number of live refresh tokens per grant, for inspection. */
  liveRefreshTokenCount(grantKey: string): number {
    return this.grants.get(grantKey)?.refreshTokens.filter((t) => !t.dead).length ?? 0;
  }

  clear(): void {
    this.grants.clear();
    this.codes.clear();
    this.refresh.clear();
    this.access.clear();
  }
}
