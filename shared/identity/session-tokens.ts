// Short-lived session access tokens for the client apps: JWTs signed with an asymmetric key (ES256)
// whose id is in the header, so keys rotate without logging anyone out (old keys still verify).
import { randomUUID } from "node:crypto";
import { importJWK, type JWK, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { AppError } from "../platform/errors";
import type { Principal } from "../platform/http";
import type { SecretStore } from "../platform/secrets";
import { SECRET } from "./secret-names";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = "switchboard";
const AUDIENCE = "switchboard-api";

const KeyRing = z.object({
  current: z.string().min(1),
  keys: z.array(z.object({ kid: z.string().min(1), privateJwk: z.record(z.string(), z.unknown()) })).min(1),
});

const Claims = z.object({
  sub: z.string(),
  org: z.string(),
  email: z.string(),
  role: z.enum(["user", "admin"]),
  sid: z.string(),
});

type Key = Awaited<ReturnType<typeof importJWK>>;
interface LoadedRing {
  current: { kid: string; privateKey: Key };
  publicKeys: Map<string, Key>;
}

export interface SessionTokenService {
  issue(principal: Principal, now?: Date): Promise<{ accessToken: string; expiresIn: number }>;
  verify(token: string): Promise<Principal>;
}

async function parseRing(text: string): Promise<LoadedRing> {
  const parsed = KeyRing.parse(JSON.parse(text));
  const publicKeys = new Map<string, Key>();
  let current: LoadedRing["current"] | undefined;
  for (const { kid, privateJwk } of parsed.keys) {
    const { d: _private, ...publicJwk } = privateJwk as JWK;
    publicKeys.set(kid, await importJWK({ ...publicJwk, alg: "ES256" }, "ES256"));
    if (kid === parsed.current)
      current = { kid, privateKey: await importJWK({ ...(privateJwk as JWK), alg: "ES256" }, "ES256") };
  }
  if (!current) throw new Error("session-signing-keys: current key id is not in the key list");
  return { current, publicKeys };
}

export function sessionTokenService(secrets: SecretStore): SessionTokenService {
  // Parsed once per version of the secret: the store decides when a new version is read (rotation).
  let parsed: { text: string; ring: Promise<LoadedRing> } | undefined;
  const ringOf = (text: string) => {
    if (!parsed || parsed.text !== text) {
      const ring = parseRing(text);
      parsed = { text, ring };
      ring.catch(() => {
        if (parsed?.ring === ring) parsed = undefined;
      });
    }
    return parsed.ring;
  };
  const load = async () => ringOf(await secrets.get(SECRET.sessionSigningKeys));
  /** A key id this ring lacks: a key added since it was read (bounded by the store), else none. */
  const reload = async () =>
    secrets.refresh ? ringOf(await secrets.refresh(SECRET.sessionSigningKeys)) : load();
  return {
    async issue(principal, now = new Date()) {
      const { current } = await load();
      const iat = Math.floor(now.getTime() / 1000);
      const accessToken = await new SignJWT({
        org: principal.orgId,
        email: principal.email,
        role: principal.role,
        sid: principal.sessionId,
      })
        .setProtectedHeader({ alg: "ES256", kid: current.kid, typ: "JWT" })
        .setSubject(principal.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(current.privateKey);
      return { accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
    },
    async verify(token) {
      const { publicKeys } = await load();
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            if (!header.kid) throw new Error("no key id");
            const key = publicKeys.get(header.kid) ?? (await reload()).publicKeys.get(header.kid);
            if (!key) throw new Error("unknown key id");
            return key;
          },
          { issuer: ISSUER, audience: AUDIENCE, algorithms: ["ES256"], clockTolerance: 5 },
        );
        const claims = Claims.parse(payload);
        return {
          userId: claims.sub,
          orgId: claims.org,
          email: claims.email,
          role: claims.role,
          sessionId: claims.sid,
        };
      } catch {
        throw new AppError("unauthenticated", "The access token is invalid or expired");
      }
    },
  };
}

/** The api's authenticator: a Bearer session access token. */
export function bearerAuthenticator(tokens: () => SessionTokenService) {
  return async (req: { headers: Record<string, string | string[] | undefined> }): Promise<Principal> => {
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value?.match(/^Bearer\s+([A-Za-z0-9._~-]+)$/);
    if (!match?.[1])
      throw new AppError(
        "unauthenticated",
        "Send the session access token as 'Authorization: Bearer <token>'",
      );
    return tokens().verify(match[1]);
  };
}
