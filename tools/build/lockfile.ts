// A bundle's package-lock.json: the part of the repository's lockfile its external packages need, at the
// same paths, so `npm ci` in Cloud Build installs exactly the transitive versions the tests ran with
// instead of resolving them anew on every deploy.
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface LockEntry {
  version?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Lockfile {
  name: string;
  lockfileVersion: number;
  requires: boolean;
  packages: Record<string, LockEntry>;
}

export const readRootLockfile = (root: string): Lockfile =>
  JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lockfile;

/** Where Node (and npm) finds `dep` required from the package installed at `from`: nearest node_modules up. */
export function resolveInLock(
  packages: Record<string, unknown>,
  from: string,
  dep: string,
): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf("/node_modules/")))) {
    const path = `${dir ? `${dir}/` : ""}node_modules/${dep}`;
    if (path in packages) return path;
    if (!dir) return undefined;
  }
}

export function bundleLockfile(root: Lockfile, name: string, dependencies: Record<string, string>): Lockfile {
  const packages: Record<string, LockEntry> = { "": { name, dependencies } };
  const queue: Array<{ from: string; dep: string; optional: boolean }> = Object.keys(dependencies).map(
    (dep) => ({ from: "", dep, optional: false }),
  );
  while (queue.length > 0) {
    const { from, dep, optional } = queue.shift() as (typeof queue)[number];
    const path = resolveInLock(root.packages, from, dep);
    if (!path) {
      if (optional) continue;
      throw new Error(`${name}: ${dep} (needed by ${from || "the bundle"}) is not in package-lock.json`);
    }
    if (path in packages) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = root.packages[path] as LockEntry;
    if (entry.link) throw new Error(`${name}: ${dep} is a workspace package; bundle it instead`);
    packages[path] = entry;
    for (const d of Object.keys(entry.dependencies ?? {}))
      queue.push({ from: path, dep: d, optional: false });
    for (const d of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ from: path, dep: d, optional: true });
    for (const d of Object.keys(entry.peerDependencies ?? {}))
      queue.push({ from: path, dep: d, optional: entry.peerDependenciesMeta?.[d]?.optional ?? false });
  }
  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
  );
  return { name, lockfileVersion: 3, requires: true, packages: sorted };
}
