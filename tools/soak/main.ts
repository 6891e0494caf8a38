// `npm run soak -- --minutes N [--people P] [--seed S] [--speed X]`: runs the soak (soak.ts) on its own
// emulators, prints its figures and findings, writes them to .local/soak/report.json, and exits 1 when an
// invariant did not hold.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_DIR } from "../stack/stack";
import { runSoak, SOAK_DEFAULTS, type SoakReport } from "./soak";

process.env.METADATA_SERVER_DETECTION = "none"; // never probe the GCE metadata server from here

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: String(SOAK_DEFAULTS.minutes) },
    people: { type: "string", default: String(SOAK_DEFAULTS.peoplePerOrg) },
    seed: { type: "string", default: String(SOAK_DEFAULTS.seed) },
    speed: { type: "string", default: String(SOAK_DEFAULTS.speed) },
    verbose: { type: "boolean", default: false },
  },
});
const number = (name: keyof typeof values, min: number) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number ≥ ${min} (got ${values[name]})`);
    process.exit(2);
  }
  return n;
};

export function printReport(report: SoakReport): void {
  const rows = [...Object.entries(report.figures), ...Object.entries(report.counts)];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${Number.isInteger(v) ? v : v.toFixed(1)}`);
  for (const v of report.violations.slice(0, 50)) console.log(`  VIOLATION ${v.kind}: ${v.detail}`);
}

const report = await runSoak({
  minutes: number("minutes", 0.1),
  peoplePerOrg: number("people", 1),
  seed: number("seed", 0),
  speed: number("speed", 1),
  log: values.verbose
    ? (line) => console.log(line)
    : (line) => line.startsWith("[soak]") && console.log(line),
});
printReport(report);
await mkdir(join(LOCAL_DIR, "soak"), { recursive: true });
await writeFile(join(LOCAL_DIR, "soak", "report.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log(`Written to ${join(LOCAL_DIR, "soak", "report.json")}`);
process.exit(report.violations.length === 0 ? 0 : 1);
