// `npm run dlq -- list [topic] | replay <topic> | purge <topic> [--project <id>]`
// Where: PUBSUB_EMULATOR_HOST (with --project or GOOGLE_CLOUD_PROJECT) means an emulator; --project or
// GOOGLE_CLOUD_PROJECT alone means that Google Cloud project, with Application Default Credentials;
// neither means the running local stack (its .local/stack.json names the project and the emulator).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PubSub } from "@google-cloud/pubsub";
import {
  deadLetteredTopics,
  formatDeadLetter,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from "./dead-letters";

const USAGE = "usage: npm run dlq -- list [topic] | replay <topic> | purge <topic> [--project <id>]";

export interface Target {
  projectId: string;
  /** host:port of an emulator, or undefined for Google. */
  emulatorHost: string | undefined;
}

export function resolveTarget(
  argv: string[],
  env: NodeJS.ProcessEnv,
  readStack: () => string,
): { target: Target; args: string[] } {
  const args = [...argv];
  const flag = args.indexOf("--project");
  const project = flag >= 0 ? args.splice(flag, 2)[1] : env.GOOGLE_CLOUD_PROJECT;
  if (project) return { target: { projectId: project, emulatorHost: env.PUBSUB_EMULATOR_HOST }, args };
  let stack: { projectId?: string; services?: Record<string, string> };
  try {
    stack = JSON.parse(readStack()) as typeof stack;
  } catch {
    throw new Error(
      `No project: pass --project <id> (or GOOGLE_CLOUD_PROJECT), or run npm start first.\n${USAGE}`,
    );
  }
  const host = env.PUBSUB_EMULATOR_HOST ?? stack.services?.pubsub?.replace(/^https?:\/\//, "");
  if (!stack.projectId || !host) throw new Error(".local/stack.json names no project or Pub/Sub emulator");
  return { target: { projectId: stack.projectId, emulatorHost: host }, args };
}

export async function runDlq(args: string[], target: Target, print: (line: string) => void): Promise<void> {
  const [command, topic] = args;
  const pubsub = new PubSub({
    projectId: target.projectId,
    ...(target.emulatorHost ? { apiEndpoint: target.emulatorHost, emulatorMode: true } : {}),
  });
  try {
    if (command === "list") {
      const topics = topic ? [topic] : await deadLetteredTopics(pubsub);
      let total = 0;
      for (const name of topics) {
        const letters = await listDeadLetters(pubsub, name);
        total += letters.length;
        for (const letter of letters) print(formatDeadLetter(letter));
      }
      print(
        `${total} dead letter${total === 1 ? "" : "s"} in ${topics.length} topic${topics.length === 1 ? "" : "s"}`,
      );
    } else if (command === "replay" && topic) {
      print(`replayed ${await replayDeadLetters(pubsub, topic)} dead letters to ${topic}`);
    } else if (command === "purge" && topic) {
      print(`purged ${await purgeDeadLetters(pubsub, topic)} dead letters of ${topic}`);
    } else {
      throw new Error(USAGE);
    }
  } finally {
    await pubsub.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.METADATA_SERVER_DETECTION ??= "none";
  try {
    const { target, args } = resolveTarget(process.argv.slice(2), process.env, () =>
      readFileSync(join(process.cwd(), ".local", "stack.json"), "utf8"),
    );
    await runDlq(args, target, (line) => console.log(line));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
