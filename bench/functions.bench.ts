// Per function: bundle and zip size, the time to import the bundle, and the cold start as a client sees
// it (process start → first request served under the Functions Framework), plus memory after it.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadManifest } from "../functions/manifest";
import { buildAll, DIST } from "../tools/build/build";
import { startFunction } from "../tools/stack/function-process";
import type { Bench, Figure } from "./bench";

const RUNS = 5;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function importTime(name: string): Promise<number> {
  const script = `const t=performance.now();await import(${JSON.stringify(join(DIST, name, "index.js"))});console.log(performance.now()-t);process.exit(0)`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`import of ${name} failed`)),
    );
  });
}

// A first request that needs no backend: liveness for HTTP functions, a malformed event (logged and
// acknowledged) for event functions.
const firstRequest = (url: string, http: boolean) =>
  http
    ? fetch(`${url}/healthz`)
    : fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "ce-id": "bench-1",
          "ce-specversion": "1.0",
          "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
          "ce-source": "//pubsub.googleapis.com/projects/bench/topics/bench",
        },
        body: JSON.stringify({
          message: { data: Buffer.from("{}").toString("base64"), messageId: "bench-1" },
        }),
      });

async function coldStart(fnName: string): Promise<{ ms: number; rssKiB: number }> {
  const spec = loadManifest().functions.find((f) => f.name === fnName)!;
  const started = performance.now();
  const fn = await startFunction(spec, {
    env: { GOOGLE_CLOUD_PROJECT: "switchboard-bench", LOG_LEVEL: "ERROR" },
  });
  const res = await firstRequest(fn.url, spec.trigger === "http");
  if (res.status >= 500) throw new Error(`${fnName} answered ${res.status}`);
  const ms = performance.now() - started;
  const status = await readFile(`/proc/${fn.process.pid}/status`, "utf8").catch(() => "");
  const rssKiB = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN);
  await fn.stop();
  return { ms, rssKiB };
}

const bench: Bench = {
  name: "functions",
  description: "bundle size, import time and cold start of every function",
  async run() {
    const figures: Figure[] = [];
    const built = await buildAll();
    for (const b of built) {
      figures.push({ name: `${b.name}.bundle_size`, value: Math.round(b.bundleBytes / 1024), unit: "KiB" });
      figures.push({ name: `${b.name}.zip_size`, value: Math.round(b.zipBytes / 1024), unit: "KiB" });
      const imports: number[] = [];
      const colds: Array<{ ms: number; rssKiB: number }> = [];
      for (let i = 0; i < RUNS; i++) {
        imports.push(await importTime(b.name));
        colds.push(await coldStart(b.name));
      }
      figures.push({ name: `${b.name}.import_time`, value: median(imports), unit: `ms (median of ${RUNS})` });
      figures.push({
        name: `${b.name}.cold_start_first_response`,
        value: median(colds.map((c) => c.ms)),
        unit: `ms (median of ${RUNS})`,
      });
      figures.push({
        name: `${b.name}.rss_after_first_request`,
        value: Math.round(median(colds.map((c) => c.rssKiB)) / 1024),
        unit: "MiB",
      });
    }
    return figures;
  },
};

export default bench;
