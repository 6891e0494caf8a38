// `npm run bench [-- name…]`: runs bench/<name>.bench.ts files, prints one table, and merges the figures
// into bench/results.json (figure name → value and unit), so runs can be compared over time.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeScaleDoc } from "../tools/scale/scale-model";
import type { Bench, Figure } from "./bench";

process.env.METADATA_SERVER_DETECTION = "none";
const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, "results.json");

const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts")).sort();
const benches: Bench[] = [];
for (const file of files) benches.push(((await import(join(here, file))) as { default: Bench }).default);

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`Unknown bench: ${unknown.join(", ")}. Available: ${benches.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? benches.filter((b) => wanted.includes(b.name)) : benches;

const figures: Figure[] = [];
for (const bench of selected) {
  console.error(`running ${bench.name}: ${bench.description}`);
  figures.push(...(await bench.run()));
}

// Small fractions (dollars per user) keep three significant digits.
const format = (v: number) =>
  Number.isInteger(v) ? v.toLocaleString("en-US") : Math.abs(v) < 1 ? v.toPrecision(3) : v.toFixed(2);
const width = Math.max(...figures.map((f) => f.name.length), 6);
console.log(`${"figure".padEnd(width)}  ${"value".padStart(14)}  unit`);
for (const f of figures) console.log(`${f.name.padEnd(width)}  ${format(f.value).padStart(14)}  ${f.unit}`);

let results: Record<string, { value: number; unit: string }> = {};
try {
  results = JSON.parse(await readFile(resultsPath, "utf8"));
} catch {
  // first run
}
for (const f of figures) results[f.name] = { value: f.value, unit: f.unit };
const sorted = Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
await writeFile(resultsPath, `${JSON.stringify(sorted, null, 2)}\n`);
console.error(`wrote ${figures.length} figures to bench/results.json`);
// The million-user model is computed from the same figures: keep docs/scale.md in step.
await writeScaleDoc().then(
  () => console.error("regenerated docs/scale.md"),
  (error: Error) => console.error(`docs/scale.md not regenerated: ${error.message}`),
);
process.exit(0);
