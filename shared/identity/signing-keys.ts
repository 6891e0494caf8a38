// Creates session signing key rings (ES256 JWKs): used by the local stack, tests, and the rotation
// runbook (`npm run keys -- session` prints a ring to add to Secret Manager).
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";

export async function newSigningKey(kid = `k-${randomUUID().slice(0, 8)}`) {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateJwk: await exportJWK(privateKey) };
}

export async function newSigningKeyRing(): Promise<string> {
  const key = await newSigningKey();
  return JSON.stringify({ current: key.kid, keys: [key] });
}
