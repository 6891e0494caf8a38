// Runs one bundled function (dist/<name>) in its own process under the real Functions Framework, as Cloud
// Functions does, on a loopback port, and supervises it: a process that dies is restarted on the same port
// with a bounded backoff, as Cloud Run starts a new instance for the next request.
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
const LOOPBACK_ONLY = fileURLToPath(new URL("./loopback-only.cjs", import.meta.url));

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
  /** The current process (a new one after each restart). */
  readonly process: ChildProcess;
  /** How many times the process was restarted after dying. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export interface RestartBackoff {
  initialMs: number;
  maximumMs: number;
}

/** First restart almost at once, then doubling up to 10 s while the function keeps dying. */
export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 100, maximumMs: 10_000 };
/** A process that stayed up this long is healthy again: its next restart starts from the initial wait. */
const STABLE_AFTER_MS = 30_000;

export interface StartFunctionOptions {
  env: Record<string, string>;
  port?: number;
  /** Where the function's log lines go. */
  output?: (line: string) => void;
  /**
   * Restart the process on the same port when it exits unexpectedly (killed, out of memory, a crash), as
   * Cloud Run starts a new instance; default true. A process that dies before it first listens fails the
   * start instead.
   */
  supervise?: boolean;
  restartBackoff?: RestartBackoff;
  /** One line per unexpected exit and per restart. */
  notify?: (line: string) => void;
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

function spawnFunction(fn: FunctionSpec, port: number, options: StartFunctionOptions): ChildProcess {
  installExitHook();
  const child = spawn(
    process.execPath,
    [
      "--enable-source-maps",
      `--require=${EXIT_WITH_PARENT}`,
      `--require=${LOOPBACK_ONLY}`,
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
  return child;
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `signal ${signal}` : `exit code ${code}`;

export async function startFunction(
  fn: FunctionSpec,
  options: StartFunctionOptions,
): Promise<RunningFunction> {
  const port = options.port ?? (await freePort());
  const backoff = options.restartBackoff ?? DEFAULT_RESTART_BACKOFF;
  const notify = options.notify ?? (() => {});
  let child = spawnFunction(fn, port, options);
  await waitForPort(port, child, fn.name);
  let stopping = false;
  let restarts = 0;
  let wait = backoff.initialMs;
  let pending: NodeJS.Timeout | undefined;

  const supervise = (current: ChildProcess) => {
    const startedAt = Date.now();
    current.once("exit", (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt >= STABLE_AFTER_MS) wait = backoff.initialMs;
      const delay = wait;
      wait = Math.min(backoff.maximumMs, wait * 2);
      notify(
        `function ${fn.name} exited unexpectedly (${describeExit(code, signal)}); restarting it on port ${port} in ${delay} ms`,
      );
      pending = setTimeout(() => {
        pending = undefined;
        if (stopping) return;
        child = spawnFunction(fn, port, options);
        restarts++;
        supervise(child);
        waitForPort(port, child, fn.name).then(
          () => notify(`function ${fn.name} restarted on port ${port} (restart ${restarts})`),
          () => {}, // it died again: its exit handler schedules the next try
        );
      }, delay);
      pending.unref();
    });
  };
  if (options.supervise ?? true) supervise(child);

  return {
    name: fn.name,
    url: `http://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (pending) clearTimeout(pending);
        const current = child;
        if (current.exitCode !== null || current.signalCode !== null) return resolve();
        current.once("exit", () => resolve());
        current.kill("SIGTERM");
        setTimeout(() => current.kill("SIGKILL"), 3000).unref();
      }),
  };
}
