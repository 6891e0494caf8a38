// Vitest global setup: one Firestore and one Pub/Sub emulator for the whole run, stopped by process group
// at the end (and on Ctrl-C). Test files isolate themselves by project id (see emulator-env.ts).
import type { TestProject } from "vitest/node";
import { type RunningEmulators, startEmulators } from "../emulators/emulators.ts";

declare module "vitest" {
  export interface ProvidedContext {
    emulators: { firestoreHost: string; pubsubHost: string };
  }
}

let emulators: RunningEmulators | undefined;

export async function setup(project: TestProject) {
  emulators = await startEmulators({ projectId: "switchboard-test" });
  project.provide("emulators", { firestoreHost: emulators.firestoreHost, pubsubHost: emulators.pubsubHost });
  const stop = () => {
    void emulators?.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

export async function teardown() {
  await emulators?.stop();
}
