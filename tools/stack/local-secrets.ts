// The local stack's secrets: a git-ignored JSON file under .local/, created with random values on first
// start. Production reads the same names from Secret Manager; nothing secret is ever committed.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export async function ensureLocalSecrets(path: string, names: string[]): Promise<void> {
  const current: Record<string, string> = existsSync(path) ? JSON.parse(await readFile(path, "utf8")) : {};
  let changed = false;
  for (const name of names) {
    if (current[name] === undefined) {
      current[name] = randomBytes(32).toString("base64");
      changed = true;
    }
  }
  if (changed || !existsSync(path)) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
  }
}
