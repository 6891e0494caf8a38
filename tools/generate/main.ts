// npm run generate: rewrites every generated file from its source of truth (tools/generate/artifacts.ts).
// `npm run generate -- --check` only reports what is out of date (exit 1).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ARTIFACTS, applyArtifact, REPO, readCurrent } from "./artifacts";

const check = process.argv.includes("--check");
let stale = 0;
const written: string[] = [];
for (const artifact of ARTIFACTS) {
  const current = readCurrent(artifact.path);
  const next = await applyArtifact(artifact, current);
  if (next === current) continue;
  const what = artifact.section ? `${artifact.path} (${artifact.section})` : artifact.path;
  stale++;
  if (check) {
    console.error(`out of date: ${what}`);
    continue;
  }
  mkdirSync(dirname(join(REPO, artifact.path)), { recursive: true });
  writeFileSync(join(REPO, artifact.path), next);
  written.push(artifact.path);
  console.log(`wrote ${what}`);
}
// Lay generated JSON out as the formatter would, so `npm run lint` stays green (JSON is compared by value).
const json = written.filter((path) => path.endsWith(".json"));
if (json.length > 0)
  execFileSync("npx", ["biome", "format", "--write", ...json], { cwd: REPO, stdio: "ignore" });
if (check && stale) process.exit(1);
if (!stale) console.log("every generated file is up to date");
