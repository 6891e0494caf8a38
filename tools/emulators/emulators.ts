// Starts Google's own Firestore and Pub/Sub emulators (the Debian packages of the Cloud SDK) on free
// loopback ports, waits until they answer, and stops them by process group so no Java process outlives us.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

const SDK_ROOTS = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/google-cloud-sdk"];
const PACKAGES = "google-cloud-cli-firestore-emulator and google-cloud-cli-pubsub-emulator";

export interface RunningEmulators {
  firestoreHost: string;
  pubsubHost: string;
  projectId: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  projectId: string;
  /** Where the emulators' own output goes; "ignore" keeps test output clean. */
  stdio?: "ignore" | "inherit";
}

const running = new Set<ChildProcess>();

function sdkRoot(): string {
  const fromEnv = process.env.CLOUDSDK_ROOT_DIR;
  const candidates = fromEnv ? [fromEnv, ...SDK_ROOTS] : SDK_ROOTS;
  const root = candidates.find((dir) => existsSync(`${dir}/platform`));
  if (!root)
    throw new Error(`Google Cloud SDK not found. Install the Debian packages ${PACKAGES} (and Java 17).`);
  return root;
}

export function emulatorCommands(root = sdkRoot()) {
  const firestore = `${root}/platform/cloud-firestore-emulator/cloud_firestore_emulator`;
  const pubsub = `${root}/platform/pubsub-emulator/bin/cloud-pubsub-emulator`;
  const missing = [firestore, pubsub].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`Emulator missing (${missing.join(", ")}). Install the Debian packages ${PACKAGES}.`);
  }
  return { firestore, pubsub };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(command: string, args: string[], stdio: "ignore" | "inherit"): ChildProcess {
  // detached: the emulator gets its own process group, so killing -pid also ends the JVM it forks.
  const child = spawn(command, args, { detached: true, stdio: ["ignore", stdio, stdio] });
  running.add(child);
  child.on("exit", () => running.delete(child));
  return child;
}

async function waitUntilReady(url: string, child: ChildProcess, name: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} emulator exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${name} emulator did not become ready within ${timeoutMs} ms`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

// Last line of defence: a crash or Ctrl-C of the parent still takes the JVMs with it.
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) killGroup(child, "SIGKILL");
  });
}

export async function startEmulators(options: EmulatorOptions): Promise<RunningEmulators> {
  const { firestore, pubsub } = emulatorCommands();
  const stdio = options.stdio ?? "ignore";
  installExitHook();
  const [firestorePort, pubsubPort] = [await freePort(), await freePort()];
  const firestoreHost = `127.0.0.1:${firestorePort}`;
  const pubsubHost = `127.0.0.1:${pubsubPort}`;
  const fs = launch(firestore, ["start", `--host=127.0.0.1`, `--port=${firestorePort}`], stdio);
  const ps = launch("bash", [pubsub, "--host=127.0.0.1", `--port=${pubsubPort}`], stdio);
  const children = [fs, ps];
  try {
    await Promise.all([
      waitUntilReady(`http://${firestoreHost}/`, fs, "Firestore"),
      waitUntilReady(`http://${pubsubHost}/`, ps, "Pub/Sub"),
    ]);
  } catch (error) {
    await Promise.all(children.map(stopChild));
    throw error;
  }
  return {
    firestoreHost,
    pubsubHost,
    projectId: options.projectId,
    stop: async () => {
      await Promise.all(children.map(stopChild));
    },
  };
}

/** Deletes every document in the emulator's default database (the emulator's own reset endpoint). */
export async function clearFirestore(firestoreHost: string, projectId: string): Promise<void> {
  const url = `http://${firestoreHost}/emulator/v1/projects/${projectId}/databases/(default)/documents`;
  // A transaction still open in a process the test just stopped holds its locks for a few seconds
  // (409 "Transaction lock timeout"): wait for the emulator to release them rather than fail the file.
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: "DELETE" });
    if (res.ok) return;
    if (res.status !== 409 || attempt >= 6)
      throw new Error(`Clearing Firestore failed: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 1000 * attempt));
  }
}
