// Identifier and token formats that look like Google's, so code that logs or stores them sees
// realistic shapes (numeric user ids, "people/c…" contacts, "ya29." access tokens, "1//" refresh tokens).
import { randomBytes } from "node:crypto";

let counter = 0;

export const randomToken = (bytes = 24) => randomBytes(bytes).toString("base64url");

/** 21-digit numeric id like Directory user ids. */
export function numericId(prefix = "1"): string {
  counter++;
  const rand = randomBytes(6).readUIntBE(0, 6).toString().padStart(12, "0").slice(0, 12);
  return `${prefix}${rand}${String(counter).padStart(20 - prefix.length - 11, "0")}`.slice(0, 21);
}

export const contactResourceName = (n: number) => `people/c${(7_000_000_000_000_000_000n + BigInt(n)).toString()}`;

export const accessTokenValue = () => `ya29.sim-${randomToken(36)}`;
export const refreshTokenValue = () => `1//sim-${randomToken(36)}`;
export const authCodeValue = () => `4/sim-${randomToken(30)}`;
export const personEtag = () => `%${randomBytes(18).toString("base64")}`;
export const sourceEtag = () => `#${randomBytes(9).toString("base64")}`;
export const directoryEtag = () => `"${randomToken(30)}"`;
