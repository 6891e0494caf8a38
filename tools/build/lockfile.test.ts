// Every bundle carries a package-lock.json that pins its whole dependency tree to what the repository's
// lockfile (and so the tests) used: complete (every dependency resolves inside it, as Node resolves) and
// accepted by `npm ci` (dry run, offline: nothing may be missing or out of sync with package.json).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest } from "../../functions/manifest";
import { DIST, ROOT } from "./build";
import { bundleLockfile, type Lockfile, readRootLockfile, resolveInLock } from "./lockfile";

const read = (name: string, file: string) => JSON.parse(readFileSync(join(DIST, name, file), "utf8"));
const rootLock = readRootLockfile(ROOT);

describe("bundle lockfiles", () => {
  it("pin every bundle's whole tree at the repository's versions", () => {
    for (const { name } of loadManifest().functions) {
      const pkg = read(name, "package.json") as { dependencies: Record<string, string> };
      const lock = read(name, "package-lock.json") as Lockfile;
      expect(lock.packages[""]?.dependencies, name).toEqual(pkg.dependencies);
      for (const [dep, version] of Object.entries(pkg.dependencies))
        expect(lock.packages[`node_modules/${dep}`]?.version, `${name} ${dep}`).toBe(version);
      for (const [path, entry] of Object.entries(lock.packages)) {
        if (!path) continue;
        expect(entry, `${name} ${path}`).toEqual(
          expect.objectContaining({ version: rootLock.packages[path]?.version }),
        );
        expect(entry.integrity, `${name} ${path} integrity`).toMatch(/^sha\d+-/);
        for (const dep of Object.keys(entry.dependencies ?? {}))
          expect(resolveInLock(lock.packages, path, dep), `${name}: ${path} needs ${dep}`).toBeDefined();
      }
    }
  });

  it("are accepted by npm ci (dry run, offline), and one out of sync with package.json is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-lock-"));
    cpSync(join(DIST, "api", "package.json"), join(dir, "package.json"));
    cpSync(join(DIST, "api", "package-lock.json"), join(dir, "package-lock.json"));
    const ci = () =>
      execFileSync("npm", ["ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: dir,
        stdio: "pipe",
        encoding: "utf8",
      });
    expect(ci()).toMatch(/added \d+ packages/);
    // A lockfile that pins another version of a direct dependency is out of sync: npm ci refuses it.
    const lock = read("api", "package-lock.json") as Lockfile;
    const firestore = lock.packages["node_modules/@google-cloud/firestore"] as { version: string };
    firestore.version = "0.0.1";
    writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock));
    expect(ci).toThrow();
  }, 60_000);

  it("refuses to build a lockfile for a dependency the repository's lockfile lacks", () => {
    expect(() => bundleLockfile(rootLock, "x", { "not-a-package-we-have": "1.0.0" })).toThrow(
      /not-a-package-we-have .* is not in package-lock.json/,
    );
  });
});
