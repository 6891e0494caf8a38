// The simulator's "accounts.google.com" signing key: signs id_tokens and is published as JWKS
// (/oauth2/v3/certs) and as X.509 PEM certificates (/oauth2/v1/certs, what google-auth-library reads on Node).
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwks: { keys: Array<Record<string, unknown>> };
  pemCerts: Record<string, string>;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(20).toString("hex");
  const jwk = publicKey.export({ format: "jwk" });
  return {
    kid,
    privateKey,
    jwks: { keys: [{ ...jwk, alg: "RS256", use: "sig", kid }] },
    pemCerts: { [kid]: selfSignedCertificate(privateKey, publicKey) },
  };
}

/**
 * Google rotates its signing keys: a new key signs from now on and is published beside the previous
 * one, which stays until tokens it signed have expired (OpenID Connect guide, "Validating an ID
 * token": keys change regularly, so fetch them from the jwks_uri). Mutates `keys` in place (the server
 * holds the same object) and returns the new kid.
 */
export function rotateSigningKey(keys: SigningKey): string {
  const next = createSigningKey();
  const previous = keys.kid;
  keys.jwks.keys = [...next.jwks.keys, ...keys.jwks.keys.filter((k) => k.kid === previous)];
  keys.pemCerts = { ...next.pemCerts, [previous]: keys.pemCerts[previous]! };
  keys.kid = next.kid;
  keys.privateKey = next.privateKey;
  return next.kid;
}

function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = randomBytes(8).toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 14 * 86_400_000);
  const attrs = [{ name: "commonName", value: "accounts.google.com (workspace-sim)" }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
    forge.md.sha256.create(),
  );
  return forge.pki.certificateToPem(cert);
}
