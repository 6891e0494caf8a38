// The local console's weight and first load: the bundle esbuild serves (script, and page + style +
// script), and in headless Chromium the time from navigation until the sign-in table shows (cold: a new
// browser context, nothing cached; the console sends no-store, so every load is cold), median of 10.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "../tools/console/browser";
import { bundleConsole } from "../tools/console/console-server";
import { startStack } from "../tools/stack/stack";
import type { Bench } from "./bench";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Bench = {
  name: "console",
  description: "the local console's bundle size and first-load time in headless Chromium",
  async run() {
    const script = await bundleConsole();
    const stack = await startStack({
      localDir: await mkdtemp(join(tmpdir(), "sb-console-bench-")),
      stablePorts: false,
      scheduler: false,
      log: () => {},
    });
    const browser = await launchChromium();
    try {
      const loads: number[] = [];
      for (let i = 0; i < 10; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(stack.services.console!);
        await page.getByRole("table", { name: "Demo people" }).waitFor();
        loads.push(performance.now() - started);
        await context.close();
      }
      const gzipped = (await import("node:zlib")).gzipSync(script).length;
      return [
        { name: "console.bundle_script", value: Buffer.byteLength(script), unit: "bytes" },
        { name: "console.bundle_script_gzip", value: gzipped, unit: "bytes" },
        { name: "console.first_load_p50", value: Math.round(median(loads)), unit: "ms" },
        { name: "console.first_load_max", value: Math.round(Math.max(...loads)), unit: "ms" },
      ];
    } finally {
      await browser.close();
      await stack.stop();
    }
  },
};
export default bench;
