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
