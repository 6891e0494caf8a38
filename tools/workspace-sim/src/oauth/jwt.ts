// Compact RS256 JWTs with node:crypto: signing id_tokens, reading service-account assertions.
import { createPublicKey, type KeyObject, sign, verify } from "node:crypto";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signRs256(payload: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const head = `${b64url({ alg: "RS256", kid, typ: "JWT" })}.${b64url(payload)}`;
  return `${head}.${sign("RSA-SHA256", Buffer.from(head), privateKey).toString("base64url")}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signedPart: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")),
      payload: JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")),
      signedPart: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, "base64url"),
    };
  } catch {
    return undefined;
  }
}

export function verifyRs256(jwt: DecodedJwt, publicKeyPem: string): boolean {
  if (jwt.header.alg !== "RS256") return false;
  try {
    return verify("RSA-SHA256", Buffer.from(jwt.signedPart), createPublicKey(publicKeyPem), jwt.signature);
  } catch {
    return false;
  }
}
