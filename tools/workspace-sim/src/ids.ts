// Identifier and token formats that look like Google's, so code that logs or stores them sees
// realistic shapes (numeric user ids, "people/c…" contacts, "ya29." access tokens, "1//" refresh tokens).
import { randomBytes } from "node:crypto";

let counter = 0;

// Seeding 25,000 contacts needs ~100,000 random ids; slicing a pooled buffer is far cheaper than
// calling the CSPRNG for each one.
const POOL_SIZE = 64 * 1024;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

export function pooledRandom(bytes: number): Buffer {
  if (poolOffset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

export const randomToken = (bytes = 24) => pooledRandom(bytes).toString("base64url");

/** 21-digit numeric id like Directory user ids. */
export function numericId(prefix = "1"): string {
  counter++;
  const rand = pooledRandom(6).readUIntBE(0, 6).toString().padStart(12, "0").slice(0, 12);
  return `${prefix}${rand}${String(counter).padStart(20 - prefix.length - 11, "0")}`.slice(0, 21);
}

export const hexId = (bytes = 8) => pooledRandom(bytes).toString("hex");

export const contactResourceName = (n: number) =>
  `people/c${(7_000_000_000_000_000_000n + BigInt(n)).toString()}`;

export const accessTokenValue = () => `ya29.sim-${randomToken(36)}`;
export const refreshTokenValue = () => `1//sim-${randomToken(36)}`;
export const authCodeValue = () => `4/sim-${randomToken(30)}`;
export const personEtag = () => `%${pooledRandom(18).toString("base64")}`;
export const sourceEtag = () => `#${pooledRandom(9).toString("base64")}`;
export const directoryEtag = () => `"${randomToken(30)}"`;
