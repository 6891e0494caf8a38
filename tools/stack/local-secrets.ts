// The local stack's secrets: a git-ignored JSON file under .local/, created with random values on first
// start. Production reads the same names from Secret Manager; nothing secret is ever committed.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import { newTokenKeyRing, parseKeyRing } from "../../shared/identity/token-cipher";

/** The demo organisation's OAuth client in the simulator (tools/workspace-sim/demo/demo-org.json). */
export const DEMO_OAUTH_CLIENT = {
  clientId: "switchboard-local.apps.googleusercontent.com",
  clientSecret: "GOCSPX-local-simulator-secret",
};

interface SecretKind {
  make(): string;
  /** False when a value written by an older stack no longer fits (it is then replaced). */
  valid(value: string): boolean;
}

// Secrets with a shape; every other name gets 32 random bytes.
const KINDS: Record<string, SecretKind> = {
  "session-signing-keys": {
    make: newSigningKeyRing,
    valid: (value) => {
      try {
        return Array.isArray((JSON.parse(value) as { keys?: unknown }).keys);
      } catch {
        return false;
      }
    },
  },
  "token-encryption-keys": {
    make: () => newTokenKeyRing("local-1"),
    valid: (value) => {
      try {
        parseKeyRing(value);
        return true;
      } catch {
        return false;
      }
    },
  },
  // Must match the simulator's demo client, whose secret is fixed in its seed file.
  "oauth-client-secret": {
    make: () => DEMO_OAUTH_CLIENT.clientSecret,
    valid: (value) => value === DEMO_OAUTH_CLIENT.clientSecret,
  },
};

const random: SecretKind = { make: () => randomBytes(32).toString("base64"), valid: () => true };

export async function ensureLocalSecrets(path: string, names: string[]): Promise<void> {
  const current: Record<string, string> = existsSync(path) ? JSON.parse(await readFile(path, "utf8")) : {};
  let changed = false;
  for (const name of names) {
    const kind = KINDS[name] ?? random;
    const value = current[name];
    if (value === undefined || !kind.valid(value)) {
      current[name] = kind.make();
      changed = true;
    }
  }
  if (changed || !existsSync(path)) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
  }
}
