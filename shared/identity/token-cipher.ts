// OAuth tokens at rest: AES-256-GCM under a key ring from Secret Manager. Each sealed value names its key
// (kid), so keys rotate: new values use the current key, old ones still open while their key stays in the
// ring. The associated data binds a value to its org, user, grant and field, so a ciphertext copied to
// another user's grant (or from the access-token field to the refresh-token field) does not open.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "../platform/errors";
import type { SecretStore } from "../platform/secrets";
import { SECRET } from "./secret-names";

export const SealedToken = z.object({
  kid: z.string().min(1),
  iv: z.string().min(1),
  data: z.string(),
  tag: z.string().min(1),
});
export type SealedToken = z.infer<typeof SealedToken>;

/** Where a sealed value belongs; it opens only in that place. */
export interface TokenBinding {
  orgId: string;
  userId: string;
  grantId: string;
  field: "refresh_token" | "access_token" | "pkce_verifier";
}

export interface TokenCipher {
  seal(plaintext: string, binding: TokenBinding): Promise<SealedToken>;
  open(sealed: SealedToken, binding: TokenBinding): Promise<string>;
  /** True when the value was sealed with a key that is no longer current (re-seal it on the next write). */
  isStale(sealed: SealedToken): Promise<boolean>;
}

const KeyRing = z.object({
  current: z.string().min(1),
  keys: z.record(
    z.string().min(1),
    z.string().refine((k) => Buffer.from(k, "base64").length === 32, "each key must be 32 bytes, base64"),
  ),
});

interface LoadedRing {
  current: string;
  keys: Map<string, Buffer>;
}

export function parseKeyRing(text: string): LoadedRing {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${SECRET.tokenEncryptionKeys} is not JSON`);
  }
  const ring = KeyRing.safeParse(json);
  // Never echo the secret: name only what is wrong.
  if (!ring.success)
    throw new Error(
      `${SECRET.tokenEncryptionKeys} is malformed: ${ring.error.issues.map((i) => i.path.join(".")).join(", ")}`,
    );
  if (!(ring.data.current in ring.data.keys))
    throw new Error(`${SECRET.tokenEncryptionKeys}: the current key id is not in the ring`);
  return {
    current: ring.data.current,
    keys: new Map(Object.entries(ring.data.keys).map(([kid, key]) => [kid, Buffer.from(key, "base64")])),
  };
}

/** A fresh ring (local stack, tests); `previous` keeps older keys so their values still open. */
export function newTokenKeyRing(kid = `t-${randomBytes(4).toString("hex")}`, previous?: string): string {
  const keys: Record<string, string> = previous
    ? (JSON.parse(previous) as { keys: Record<string, string> }).keys
    : {};
  keys[kid] = randomBytes(32).toString("base64");
  return JSON.stringify({ current: kid, keys });
}

const aad = (b: TokenBinding) =>
  Buffer.from(JSON.stringify(["switchboard-token/v1", b.orgId, b.userId, b.grantId, b.field]));

export function tokenCipher(secrets: SecretStore): TokenCipher {
  // Parsed once per version of the secret: the store decides when a new version is read (rotation).
  let parsed: { text: string; ring: LoadedRing } | undefined;
  const ringOf = (text: string) => {
    if (!parsed || parsed.text !== text) parsed = { text, ring: parseKeyRing(text) };
    return parsed.ring;
  };
  const load = async () => ringOf(await secrets.get(SECRET.tokenEncryptionKeys));
  /** A value sealed with a key this ring lacks: a key added since it was read (bounded by the store). */
  const reload = async () =>
    secrets.refresh ? ringOf(await secrets.refresh(SECRET.tokenEncryptionKeys)) : load();
  return {
    async seal(plaintext, binding) {
      const { current, keys } = await load();
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keys.get(current)!, iv);
      cipher.setAAD(aad(binding));
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return {
        kid: current,
        iv: iv.toString("base64"),
        data: data.toString("base64"),
        tag: cipher.getAuthTag().toString("base64"),
      };
    },
    async open(sealed, binding) {
      const key = (await load()).keys.get(sealed.kid) ?? (await reload()).keys.get(sealed.kid);
      // Retryable: another instance may have sealed it with a key this one reads within the refresh bound;
      // a key truly gone from the ring ends in the dead-letter topic, replayable once the key is back.
      if (!key)
        throw new AppError("internal", `Token key ${sealed.kid} is not in the key ring`, {
          retryable: true,
        });
      try {
        // GCM tags are 16 bytes; pinning the length refuses a truncated tag instead of checking fewer bits.
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"), {
          authTagLength: 16,
        });
        decipher.setAAD(aad(binding));
        decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
        return Buffer.concat([
          decipher.update(Buffer.from(sealed.data, "base64")),
          decipher.final(),
        ]).toString("utf8");
      } catch (error) {
        throw new AppError("internal", "A stored token failed its integrity check", {
          retryable: false,
          cause: error,
        });
      }
    },
    async isStale(sealed) {
      return sealed.kid !== (await load()).current;
    },
  };
}
