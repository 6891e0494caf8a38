// Runs one bundled function (dist/<name>) in its own process under the real Functions Framework, as Cloud
// Functions does, on a loopback port.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FunctionSpec } from "../../functions/manifest";
import { DIST } from "../build/build";
import { freePort } from "../emulators/emulators";

const require = createRequire(import.meta.url);
const FRAMEWORK_MAIN = join(require.resolve("@google-cloud/functions-framework"), "..", "main.js");
const EXIT_WITH_PARENT = fileURLToPath(new URL("./exit-with-parent.cjs", import.meta.url));

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
/** A crashed test or stack must not leave functions behind: kill them when this process exits. */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

export interface RunningFunction {
  name: string;
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartFunctionOptions {
  env: Record<string, string>;
  port?: number;
  /** Where the function's log lines go. */
  output?: (line: string) => void;
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`function ${name} exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`function ${name} did not listen on ${port} within ${timeoutMs} ms`);
}

export async function startFunction(
  fn: FunctionSpec,
  options: StartFunctionOptions,
): Promise<RunningFunction> {
  const port = options.port ?? (await freePort());
  installExitHook();
  const child = spawn(
    process.execPath,
    [
      "--enable-source-maps",
      `--require=${EXIT_WITH_PARENT}`,
      FRAMEWORK_MAIN,
      `--target=${fn.name}`,
      `--source=${join(DIST, fn.name)}`,
      `--signature-type=${fn.trigger === "http" ? "http" : "cloudevent"}`,
      `--port=${port}`,
    ],
    {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        // Never probe the GCE metadata server (a link-local address) from a local process.
        METADATA_SERVER_DETECTION: "none",
        FUNCTION_TARGET: fn.name,
        K_SERVICE: fn.name,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    },
  );
  running.add(child);
  child.on("exit", () => running.delete(child));
  const output = options.output;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    let buffered = "";
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      if (output) for (const line of lines) output(line);
    });
  }
  await waitForPort(port, child, fn.name);
  return {
    name: fn.name,
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}
