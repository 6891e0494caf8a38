// Creates session signing key rings (ES256 JWKs) for the local stack, the tests, and key rotation:
// add a new key to the ring as `current`, keep the old one until its tokens have expired (15 min).
import { generateKeyPairSync, randomUUID } from "node:crypto";

export function newSigningKey(kid = `k-${randomUUID().slice(0, 8)}`) {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, privateJwk: privateKey.export({ format: "jwk" }) };
}

export function newSigningKeyRing(): string {
  const key = newSigningKey();
  return JSON.stringify({ current: key.kid, keys: [key] });
}
