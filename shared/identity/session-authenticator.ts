// The api's authenticator: a valid session access token whose session is still active. A logout or a
// revocation takes effect within SESSION_CHECK_CACHE_MS on every instance, not only when the token expires.
import { AppError } from "../platform/errors";
import type { Authenticator } from "../platform/http";
import type { RefreshSessions } from "./refresh-sessions";
import { bearerAuthenticator, type SessionTokenService } from "./session-tokens";

export const SESSION_CHECK_CACHE_MS = 30_000;

export interface SessionGate {
  authenticate: Authenticator;
  /** Drops a session from this instance's cache (after a logout handled here). */
  forget(orgId: string, sessionId: string): void;
}

export function sessionAuthenticator(
  tokens: () => SessionTokenService,
  sessions: () => RefreshSessions,
): SessionGate {
  const verifyToken = bearerAuthenticator(tokens);
  const checked = new Map<string, { active: boolean; at: number }>();
  const authenticate: Authenticator = async (req) => {
    const principal = await verifyToken(req);
    const key = `${principal.orgId}/${principal.sessionId}`;
    let entry = checked.get(key);
    if (!entry || Date.now() - entry.at > SESSION_CHECK_CACHE_MS) {
      entry = { active: await sessions().isActive(principal.orgId, principal.sessionId), at: Date.now() };
      if (checked.size > 10_000) checked.clear(); // bounded: a cache, not a registry
      checked.set(key, entry);
    }
    if (!entry.active) throw new AppError("unauthenticated", "This session has ended; sign in again");
    return principal;
  };
  return { authenticate, forget: (orgId, sessionId) => void checked.delete(`${orgId}/${sessionId}`) };
}
