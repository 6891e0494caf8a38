// OpenID Connect id_tokens as accounts.google.com issues them. Timestamps use wall time, not the sim
// clock, because verifiers (google-auth-library, jose) check iat/exp against the real clock.
import { createHash, generateKeyPairSync } from "node:crypto";
import type { DirectoryUser } from "../directory/directory-store";
import { SCOPES } from "../scopes";
import type { Org } from "../state";
import { signRs256 } from "./jwt";
import type { SigningKey } from "./signing-key";

export const ISSUER = "https://accounts.google.com";

/**
 * A forged or broken id_token, for testing a relying party's checks (never something Google sends):
 * another audience, issuer or nonce, an expired token, a wrong or missing `hd`, an unverified email, a
 * signature by a key Google never published, or a payload altered after signing.
 */
export interface IdTokenTamper {
  audience?: string;
  issuer?: string;
  nonce?: string;
  /** exp this many seconds in the past (iat an hour before it). */
  expiredSecondsAgo?: number;
  /** A different `hd`, or null for none. */
  hd?: string | null;
  emailVerified?: boolean;
  /** Signed with a fresh key whose kid is not in the JWKS. */
  unknownKey?: boolean;
  /** These claims are changed after signing (the signature no longer matches). */
  alteredPayload?: Record<string, unknown>;
}

export function issueIdToken(opts: {
  keys: SigningKey;
  clientId: string;
  org: Org;
  user: DirectoryUser;
  scopes: string[];
  accessToken: string;
  nonce?: string | undefined;
  tamper?: IdTokenTamper | undefined;
}): string {
  const { keys, clientId, org, user, scopes } = opts;
  const iat = Math.floor(Date.now() / 1000);
  const digest = createHash("sha256").update(opts.accessToken).digest();
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    azp: clientId,
    aud: clientId,
    sub: user.id,
    // "Provided only if the user belongs to a Google Cloud organization" (OpenID Connect guide).
    ...(org.consumer ? {} : { hd: org.domain }),
    at_hash: digest.subarray(0, 16).toString("base64url"),
    iat,
    exp: iat + 3600,
  };
  if (scopes.includes(SCOPES.email)) {
    claims.email = user.primaryEmail;
    claims.email_verified = true;
  }
  if (scopes.includes(SCOPES.profile)) {
    claims.name = `${user.givenName} ${user.familyName}`.trim();
    claims.given_name = user.givenName;
    claims.family_name = user.familyName;
  }
  if (opts.nonce) claims.nonce = opts.nonce;
  const t = opts.tamper;
  if (!t) return signRs256(claims, keys.privateKey, keys.kid);
  if (t.audience !== undefined) claims.aud = t.audience;
  if (t.issuer !== undefined) claims.iss = t.issuer;
  if (t.nonce !== undefined) claims.nonce = t.nonce;
  if (t.expiredSecondsAgo !== undefined) {
    claims.exp = iat - t.expiredSecondsAgo;
    claims.iat = iat - t.expiredSecondsAgo - 3600;
  }
  if (t.hd === null) delete claims.hd;
  else if (t.hd !== undefined) claims.hd = t.hd;
  if (t.emailVerified !== undefined) claims.email_verified = t.emailVerified;
  if (t.unknownKey) {
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    return signRs256(claims, stranger, keys.kid);
  }
  const token = signRs256(claims, keys.privateKey, keys.kid);
  if (!t.alteredPayload) return token;
  const [head, , signature] = token.split(".");
  const altered = Buffer.from(JSON.stringify({ ...claims, ...t.alteredPayload })).toString("base64url");
  return `${head}.${altered}.${signature}`;
}
