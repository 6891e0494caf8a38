// OpenID Connect id_tokens as accounts.google.com issues them. Timestamps use wall time, not the sim
// clock, because verifiers (google-auth-library, jose) check iat/exp against the real clock.
import { createHash } from "node:crypto";
import type { DirectoryUser } from "../directory/directory-store";
import { SCOPES } from "../scopes";
import type { Org } from "../state";
import { signRs256 } from "./jwt";
import type { SigningKey } from "./signing-key";

export const ISSUER = "https://accounts.google.com";

export function issueIdToken(opts: {
  keys: SigningKey;
  clientId: string;
  org: Org;
  user: DirectoryUser;
  scopes: string[];
  accessToken: string;
  nonce?: string | undefined;
}): string {
  const { keys, clientId, org, user, scopes } = opts;
  const iat = Math.floor(Date.now() / 1000);
  const digest = createHash("sha256").update(opts.accessToken).digest();
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    azp: clientId,
    aud: clientId,
    sub: user.id,
    hd: org.domain,
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
  return signRs256(claims, keys.privateKey, keys.kid);
}
