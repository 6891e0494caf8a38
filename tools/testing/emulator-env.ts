// Per-test-file isolation on the shared emulators: each file gets its own project id, so files run in
// parallel without seeing each other's documents, topics or subscriptions; Firestore is cleared after.
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { clearFirestore } from "../emulators/emulators";

export interface EmulatorEnv {
  projectId: string;
  firestoreHost: string;
  pubsubHost: string;
  /** Environment variables a function process or client needs to reach these emulators. */
  env: Record<string, string>;
}

export function useEmulators(prefix = "test"): EmulatorEnv {
  const { firestoreHost, pubsubHost } = inject("emulators");
  const projectId = `${prefix}-${randomBytes(4).toString("hex")}`;
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  process.env.PUBSUB_EMULATOR_HOST = pubsubHost;
  afterAll(async () => {
    // Hygiene, not a check: the project id is this file's alone, so documents left behind (the emulator
    // still holding a lock under load) cannot reach another test; a failed clear is said, not failed.
    await clearFirestore(firestoreHost, projectId).catch((error: unknown) =>
      console.warn(`[emulators] ${projectId} not cleared: ${(error as Error).message}`),
    );
  });
  return {
    projectId,
    firestoreHost,
    pubsubHost,
    env: {
      FIRESTORE_EMULATOR_HOST: firestoreHost,
      PUBSUB_EMULATOR_HOST: pubsubHost,
      GOOGLE_CLOUD_PROJECT: projectId,
    },
  };
}
