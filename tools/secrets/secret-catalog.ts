// Every Secret Manager secret the code reads: its id (the code's own constant), format, where its value
// comes from, and a check that runs the code's own parser on a value. docs/secrets.md is generated from
// this (npm run generate); secret-catalog.test.ts keeps it equal to the code and the manifest (Terraform
// creates one container per manifest secret).
import { randomBytes } from "node:crypto";
import { loadManifest } from "../../functions/manifest";
import { DIRECTORY_SA_KEY_SECRET } from "../../shared/google/directory-auth";
import { SECRET } from "../../shared/identity/secret-names";
import { sessionTokenService } from "../../shared/identity/session-tokens";
import { newSigningKey, newSigningKeyRing } from "../../shared/identity/signing-keys";
import { newTokenKeyRing, parseKeyRing, tokenCipher } from "../../shared/identity/token-cipher";
import { TELEPHONY_SECRET } from "../../shared/platform/service-token";
import { cell, markdownTable } from "../generate/config-variables";

export interface SecretSpec {
  id: string;
  format: string;
  /** Where the first value comes from. */
  source: string;
  /** A value for a new deployment, when Switchboard can make one (key rings, its own tokens). */
  generate?: () => string;
  /** A new version that keeps the old keys (rotation), when the secret is a key ring. */
  rotate?: (current: string) => string;
  /** Throws, naming the problem (never the value), when the code would refuse this value. */
  check(value: string): Promise<void>;
}

const stamp = () => new Date().toISOString().slice(0, 10).replaceAll("-", "");

export const SECRETS: SecretSpec[] = [
  {
    id: SECRET.sessionSigningKeys,
    format:
      'JSON key ring `{"current": kid, "keys": [{"kid", "privateJwk"}]}`: ES256 (P-256) private JWKs; access tokens carry the `kid` they were signed with',
    source:
      "generated (`npm run secrets -- init`); rotate with `npm run secrets -- rotate session-signing-keys`",
    generate: newSigningKeyRing,
    rotate: (current) => {
      const ring = JSON.parse(current) as { keys: Array<{ kid: string }> };
      const key = newSigningKey(`s-${stamp()}-${randomBytes(3).toString("hex")}`);
      return JSON.stringify({ current: key.kid, keys: [...ring.keys, key] });
    },
    async check(value) {
      const tokens = sessionTokenService({ get: async () => value });
      const principal = {
        userId: "u",
        orgId: "o",
        email: "u@o.example",
        role: "user" as const,
        sessionId: "s",
      };
      await tokens.verify((await tokens.issue(principal)).accessToken);
    },
  },
  {
    id: SECRET.tokenEncryptionKeys,
    format:
      'JSON key ring `{"current": kid, "keys": {kid: base64 of 32 bytes}}`: AES-256-GCM keys for Google tokens at rest; each stored value names its `kid`',
    source:
      "generated (`npm run secrets -- init`); rotate with `npm run secrets -- rotate token-encryption-keys`",
    generate: () => newTokenKeyRing(`t-${stamp()}`),
    rotate: (current) => newTokenKeyRing(`t-${stamp()}-${randomBytes(3).toString("hex")}`, current),
    async check(value) {
      parseKeyRing(value);
      const cipher = tokenCipher({ get: async () => value });
      const binding = { orgId: "o", userId: "u", grantId: "g", field: "refresh_token" as const };
      await cipher.open(await cipher.seal("check", binding), binding);
    },
  },
  {
    id: TELEPHONY_SECRET,
    format: "text, at least 32 characters: the bearer token the phone system sends on `service` routes",
    source: "generated (`npm run secrets -- init`); give the same value to the phone system",
    generate: () => randomBytes(36).toString("base64url"),
    async check(value) {
      if (value.trim().length < 32) throw new Error(`${TELEPHONY_SECRET} must be at least 32 characters`);
    },
  },
  {
    id: SECRET.oauthClientSecret,
    format: "text: the client secret of the Google OAuth web client named by `GOOGLE_OAUTH_CLIENT_ID`",
    source: "Google Cloud console, APIs & Services, Credentials (the OAuth client)",
    async check(value) {
      if (!value.trim()) throw new Error(`${SECRET.oauthClientSecret} is empty`);
    },
  },
  {
    id: DIRECTORY_SA_KEY_SECRET,
    format:
      "JSON service account key (`client_email`, `private_key`) of the account given domain-wide delegation for the directory",
    source: "Google Cloud console, IAM, service account keys (only for orgs using domain-wide delegation)",
    async check(value) {
      let key: { client_email?: unknown; private_key?: unknown };
      try {
        key = JSON.parse(value) as typeof key;
      } catch {
        throw new Error(`${DIRECTORY_SA_KEY_SECRET} is not JSON`);
      }
      if (typeof key.client_email !== "string" || typeof key.private_key !== "string")
        throw new Error(`${DIRECTORY_SA_KEY_SECRET} needs client_email and private_key`);
    },
  },
];

export const secretSpec = (id: string): SecretSpec => {
  const spec = SECRETS.find((s) => s.id === id);
  if (!spec) throw new Error(`unknown secret ${id}; known: ${SECRETS.map((s) => s.id).join(", ")}`);
  return spec;
};

/** docs/secrets.md's table: each secret, its format, its source, and the functions given access. */
export function secretsTable(): string {
  const functions = loadManifest().functions;
  return markdownTable(
    ["secret id", "read by", "format", "first value"],
    SECRETS.map((s) => [
      `\`${s.id}\``,
      functions
        .filter((f) => f.secrets.includes(s.id))
        .map((f) => `\`${f.name}\``)
        .join(", "),
      cell(s.format),
      s.source,
    ]),
  );
}
