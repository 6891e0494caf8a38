// Vitest global setup: bundles the functions once (tests run the real bundles), starts one Firestore and
// one Pub/Sub emulator for the whole run, and stops them by process group at the end (and on Ctrl-C).
// Test files isolate themselves by project id (see emulator-env.ts).
import type { TestProject } from "vitest/node";
import { buildAll } from "../build/build";
import { type RunningEmulators, startEmulators } from "../emulators/emulators";

declare module "vitest" {
  export interface ProvidedContext {
    emulators: { firestoreHost: string; pubsubHost: string };
  }
}

let emulators: RunningEmulators | undefined;

export async function setup(project: TestProject) {
  const [running] = await Promise.all([startEmulators({ projectId: "switchboard-test" }), buildAll()]);
  emulators = running;
  project.provide("emulators", { firestoreHost: running.firestoreHost, pubsubHost: running.pubsubHost });
  const stop = () => {
    void emulators?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

export async function teardown() {
  await emulators?.stop();
}
