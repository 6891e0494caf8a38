// Secret names and formats agree between the code, the manifest (hence Terraform's containers and grants)
// and the docs; the values `npm run secrets -- init` hands out are accepted by the code's own parsers, and
// rotating a ring keeps every older key working.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest } from "../../functions/manifest";
import { sessionTokenService } from "../../shared/identity/session-tokens";
import { tokenCipher } from "../../shared/identity/token-cipher";
import { REPO } from "../generate/artifacts";
import { gcloudLine, runSecrets } from "./main";
import { SECRETS, secretSpec } from "./secret-catalog";

const manifestSecrets = [...new Set(loadManifest().functions.flatMap((f) => f.secrets))].sort();

function textFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory())
      return ["node_modules", "dist", ".local", ".git"].includes(e.name) ? [] : textFiles(path);
    return /\.(md|tf|ts)$/.test(e.name) ? [path] : [];
  });
}

describe("secret catalog", () => {
  it("names exactly the secrets the manifest gives functions (so Terraform creates and grants each)", () => {
    expect(SECRETS.map((s) => s.id).sort()).toEqual(manifestSecrets);
  });

  it("every secret name the code passes to the secret store is in the catalog", () => {
    const reads = textFiles(join(REPO, "shared"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.includes("/test/"))
      .flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(/secrets?\(?\)?\.get\(\s*"([a-z-]+)"/g)].map((m) => m[1]),
      );
    for (const name of reads) expect(manifestSecrets, `${name} is read by the code`).toContain(name);
  });

  it("docs never name a secret the code does not read (the old token-encryption-key, a SAML key)", () => {
    const stale = textFiles(REPO)
      .filter((f) => !f.endsWith("secret-catalog.test.ts") && !f.endsWith("secrets.test.ts"))
      .flatMap((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .filter((line) =>
            /\btoken-encryption-key\b(?!s)|\bSAML key\b|session-signing-key\b(?!s)/.test(line),
          )
          .map((line) => `${relative(REPO, f)}: ${line.trim()}`),
      );
    expect(stale).toEqual([]);
  });

  it("generates first values the code accepts, and refuses ones it would not, naming the secret only", async () => {
    for (const spec of SECRETS.filter((s) => s.generate))
      await expect(spec.check((spec.generate as () => string)()), spec.id).resolves.toBeUndefined();
    const rawKey = "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==";
    const refused = await secretSpec("token-encryption-keys")
      .check(rawKey)
      .catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/token-encryption-keys is not JSON/);
    expect((refused as Error).message).not.toContain(rawKey);
    await expect(secretSpec("telephony-service-token").check("short")).rejects.toThrow(/at least 32/);
  });

  it("rotates a ring so values and tokens made with the old keys still open and verify", async () => {
    const tokenRing = secretSpec("token-encryption-keys");
    const before = (tokenRing.generate as () => string)();
    const binding = { orgId: "o", userId: "u", grantId: "g", field: "refresh_token" as const };
    const sealed = await tokenCipher({ get: async () => before }).seal("t", binding);
    const after = (tokenRing.rotate as (s: string) => string)(before);
    expect(JSON.parse(after).current).not.toBe(JSON.parse(before).current);
    await expect(tokenCipher({ get: async () => after }).open(sealed, binding)).resolves.toBe("t");

    const sessionRing = secretSpec("session-signing-keys");
    const old = (sessionRing.generate as () => string)();
    const principal = {
      userId: "u",
      orgId: "o",
      email: "u@o.example",
      role: "user" as const,
      sessionId: "s",
    };
    const { accessToken } = await sessionTokenService({ get: async () => old }).issue(principal);
    const rotated = (sessionRing.rotate as (s: string) => string)(old);
    await expect(
      sessionTokenService({ get: async () => rotated }).verify(accessToken),
    ).resolves.toMatchObject({
      userId: "u",
    });
  });

  it("init prints one gcloud line per generated secret, whose value (read back from stdin) the code accepts", async () => {
    const lines: string[] = [];
    await runSecrets(["init"], {
      project: "sb-prod",
      write: false,
      print: (l) => lines.push(l),
      client: async () => {
        throw new Error("print mode reads nothing");
      },
    });
    const commands = lines.filter((l) => !l.startsWith("#"));
    expect(
      commands.map((l) => l.match(/versions add ([a-z-]+) --project=sb-prod --data-file=-$/)?.[1]),
    ).toEqual(SECRETS.filter((s) => s.generate).map((s) => s.id));
    for (const line of commands) {
      const [, quoted, id] =
        line.match(/^printf '%s' '(.*)' \| gcloud secrets versions add ([a-z-]+) /) ?? [];
      await expect(
        secretSpec(id as string).check((quoted as string).replaceAll("'\\''", "'")),
      ).resolves.toBeUndefined();
    }
    expect(lines.filter((l) => l.startsWith("#")).join("\n")).toMatch(
      /oauth-client-secret.*\n.*directory-sa-key/,
    );
    expect(gcloudLine("p", "x", "it's")).toBe(
      "printf '%s' 'it'\\''s' | gcloud secrets versions add x --project=p --data-file=-",
    );
  });
});
