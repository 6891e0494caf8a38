// Service-to-service calls from the phone system (call state, number assignments) carry a shared
// bearer token from Secret Manager (`telephony-service-token`), compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "./errors";
import type { SecretStore } from "./secrets";

export const TELEPHONY_SECRET = "telephony-service-token";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** Constant time whatever the lengths (both sides hashed first); a secret under 32 characters never matches. */
export function bearerMatches(authorization: string | undefined, secret: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  const presented = digest(m?.[1]?.trim() ?? "");
  return timingSafeEqual(presented, digest(secret)) && !!m && secret.length >= 32;
}

/** Throws 401 unless the request carries the telephony service's token. */
export async function requireTelephonyService(
  secrets: SecretStore,
  authorization: string | string[] | undefined,
): Promise<void> {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const refused = new AppError("unauthenticated", "A telephony service token is required");
  if (!/^Bearer\s+\S/i.test(header ?? "")) throw refused;
  // No readable secret (not provisioned yet) means no token can match: refused, never a 500.
  const secret = await secrets.get(TELEPHONY_SECRET).catch(() => "");
  if (!bearerMatches(header, secret)) throw refused;
}

/** The HTTP layer's check for "service" routes: the telephony token, before the body is read. */
export const telephonyServiceAuthenticator =
  (secrets: () => SecretStore) =>
  (req: { headers: Record<string, string | string[] | undefined> }): Promise<void> =>
    requireTelephonyService(secrets(), req.headers.authorization);
