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
    await clearFirestore(firestoreHost, projectId);
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
