// Runs bundled functions for a test file against its emulator project, with a local secrets file, and
// the Pub/Sub topics they publish to, so tests exercise the real HTTP path end to end.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifest } from "../../functions/manifest";
import { freePort } from "../emulators/emulators";
import { type RunningFunction, startFunction } from "../stack/function-process";
import { pubsubClient } from "../stack/pubsub-wiring";
import type { EmulatorEnv } from "./emulator-env";

export async function writeSecretsFile(secrets: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sb-secrets-"));
  const path = join(dir, "secrets.json");
  await writeFile(path, JSON.stringify(secrets), { mode: 0o600 });
  return path;
}

/** Creates topics (and a pull subscription on each, named `<topic>-test`, to inspect what was published). */
export async function createTopics(emulators: EmulatorEnv, topics: string[]): Promise<void> {
  const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
  for (const name of topics) {
    const [topic] = await pubsub.topic(name).get({ autoCreate: true });
    const [exists] = await topic.subscription(`${name}-test`).exists();
    if (!exists) await topic.createSubscription(`${name}-test`);
  }
  await pubsub.close();
}

/** Pulls (and acknowledges) what was published to a topic since the last pull, via the emulator's REST API. */
export async function pullPublished(emulators: EmulatorEnv, topic: string): Promise<unknown[]> {
  const base = `http://${emulators.pubsubHost}/v1/projects/${emulators.projectId}/subscriptions/${topic}-test`;
  const res = await fetch(`${base}:pull`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ maxMessages: 1000, returnImmediately: true }),
  });
  const { receivedMessages = [] } = (await res.json()) as {
    receivedMessages?: Array<{ ackId: string; message: { data: string } }>;
  };
  if (receivedMessages.length > 0) {
    await fetch(`${base}:acknowledge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ackIds: receivedMessages.map((m) => m.ackId) }),
    });
  }
  return receivedMessages.map((m) => JSON.parse(Buffer.from(m.message.data, "base64").toString("utf8")));
}

export async function startFunctionForTest(
  name: string,
  emulators: EmulatorEnv,
  env: Record<string, string>,
  port?: number,
): Promise<RunningFunction> {
  const spec = loadManifest().functions.find((f) => f.name === name);
  if (!spec) throw new Error(`no function ${name} in the manifest`);
  return startFunction(spec, {
    env: { ...emulators.env, SWITCHBOARD_ENV: "test", ...env },
    port: port ?? (await freePort()),
    ...(process.env.SHOW_FUNCTION_LOGS ? { output: (l: string) => console.log(`[${name}] ${l}`) } : {}),
  });
}
