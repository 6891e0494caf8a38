// `npm start`: the local stack in the foreground until Ctrl-C or SIGTERM.
import type { Backoff } from "./pubsub-wiring";
import { describeStack, startStack } from "./stack";

/** STACK_RETRY_BACKOFF="1s,60s" shortens the redelivery backoff (default: production's, 10s,600s). */
function backoffFromEnvironment(): { backoff?: Backoff } {
  const value = process.env.STACK_RETRY_BACKOFF;
  if (!value) return {};
  const match = /^(\d+)s,(\d+)s$/.exec(value);
  if (!match || Number(match[1]) > Number(match[2]))
    throw new Error(
      `STACK_RETRY_BACKOFF is "minimum,maximum" in whole seconds such as "1s,60s", not "${value}"`,
    );
  return { backoff: { minimumMs: Number(match[1]) * 1000, maximumMs: Number(match[2]) * 1000 } };
}

process.env.METADATA_SERVER_DETECTION = "none"; // never probe the GCE metadata server from here
const quiet = process.argv.includes("--quiet");
const stack = await startStack({
  log: quiet ? () => {} : (line) => console.log(line),
  // Restarts and dead letters are printed even with --quiet.
  events: (line) => console.log(line),
  ...backoffFromEnvironment(),
});
console.log(describeStack(stack));

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local stack…`);
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
