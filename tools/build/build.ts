// Bundles each function of the manifest into dist/<name>/ (index.js, a minimal package.json and its
// package-lock.json) and dist/<name>.zip, ready for Cloud Functions. Heavy Google client packages stay
// external and are installed by Cloud Build (npm ci) from that lockfile; our code and small pure
// libraries are inlined.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { type FunctionSpec, loadManifest } from "../../functions/manifest";
import { bundleLockfile, readRootLockfile } from "./lockfile";
import { zip } from "./zip";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DIST = join(ROOT, "dist");

/** Packages that are large, load protos or native code from disk, or must be the framework itself. */
const EXTERNAL = [
  "@google-cloud/*",
  "@googleapis/*",
  "google-auth-library",
  "googleapis-common",
  "@node-saml/*",
  "express",
];

export interface BuiltFunction {
  name: string;
  dir: string;
  zipPath: string;
  bundleBytes: number;
  zipBytes: number;
  dependencies: Record<string, string>;
}

const packageOf = (specifier: string) =>
  specifier.startsWith("@")
    ? specifier.split("/").slice(0, 2).join("/")
    : (specifier.split("/")[0] ?? specifier);

async function installedVersion(pkg: string): Promise<string> {
  const json = JSON.parse(await readFile(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as {
    version: string;
  };
  return json.version;
}

function externalImports(metafile: Metafile): Set<string> {
  const found = new Set<string>();
  for (const input of Object.values(metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external && !imp.path.startsWith("node:")) found.add(packageOf(imp.path));
    }
  }
  return found;
}

export async function buildFunction(fn: FunctionSpec): Promise<BuiltFunction> {
  const finalDir = join(DIST, fn.name);
  // Build beside the old bundle and swap it in, so a running stack or test never sees a half-written one.
  const dir = join(DIST, `.${fn.name}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const result = await build({
    entryPoints: [join(ROOT, "functions", fn.name, "index.ts")],
    outfile: join(dir, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    sourcemap: "linked",
    legalComments: "none",
    external: EXTERNAL,
    metafile: true,
    logLevel: "warning",
    // CommonJS code inlined into an ES module still calls require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  const dependencies: Record<string, string> = {};
  const externals = [...externalImports(result.metafile), "@google-cloud/functions-framework"];
  for (const pkg of externals.sort()) dependencies[pkg] = await installedVersion(pkg);
  const manifest = {
    name: `switchboard-${fn.name}`,
    private: true,
    type: "module",
    main: "index.js",
    engines: { node: ">=20" },
    scripts: { start: `functions-framework --target=${fn.name}` },
    dependencies,
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  // The transitive versions too: Cloud Build runs npm ci on a bundle with a lockfile.
  const lock = `${JSON.stringify(bundleLockfile(readRootLockfile(ROOT), manifest.name, dependencies), null, 2)}\n`;
  await writeFile(join(dir, "package-lock.json"), lock);
  const bundle = await readFile(join(dir, "index.js"));
  const archive = zip([
    { name: "index.js", data: bundle },
    { name: "index.js.map", data: await readFile(join(dir, "index.js.map")) },
    { name: "package.json", data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: "package-lock.json", data: Buffer.from(lock) },
  ]);
  const zipPath = join(DIST, `${fn.name}.zip`);
  await writeFile(`${zipPath}.${process.pid}`, archive);
  await rename(`${zipPath}.${process.pid}`, zipPath);
  const old = `${dir}-old`;
  await rename(finalDir, old).catch(() => {});
  await rename(dir, finalDir);
  await rm(old, { recursive: true, force: true });
  return {
    name: fn.name,
    dir: finalDir,
    zipPath,
    bundleBytes: bundle.length,
    zipBytes: archive.length,
    dependencies,
  };
}

export async function buildAll(names?: string[]): Promise<BuiltFunction[]> {
  const functions = loadManifest().functions.filter((f) => !names || names.includes(f.name));
  return Promise.all(functions.map(buildFunction));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const built = await buildAll(process.argv.slice(2).length > 0 ? process.argv.slice(2) : undefined);
  for (const b of built) {
    console.log(
      `${b.name.padEnd(16)} ${(b.bundleBytes / 1024).toFixed(1).padStart(8)} KiB  zip ${(b.zipBytes / 1024).toFixed(1).padStart(7)} KiB  deps: ${Object.keys(b.dependencies).join(", ")}`,
    );
  }
  console.log(`built ${built.length} functions into dist/ in ${Date.now() - started} ms`);
}
