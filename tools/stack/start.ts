// `npm start [-- --quiet] [-- --no-build]`: the local stack in the foreground until Ctrl-C or SIGTERM.
import { watchAncestors } from "./ancestor-watch";
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
// --no-build reuses dist/ as it is; SWITCHBOARD_LOCAL_DIR moves .local (a second stack, or a test).
const localDir = process.env.SWITCHBOARD_LOCAL_DIR || undefined;
const starting = startStack({
  ...(process.argv.includes("--no-build") ? { build: false } : {}),
  ...(localDir ? { localDir } : {}),
  log: quiet ? () => {} : (line) => console.log(line),
  // Restarts and dead letters are printed even with --quiet.
  events: (line) => console.log(line),
  ...backoffFromEnvironment(),
});

let stopping = false;
// Installed before the stack starts: a signal during start-up still stops whatever has started.
const shutdown = async (reason: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${reason}: stopping the local stack…`);
  const stack = await starting.catch(() => undefined); // a failed start has stopped its own parts
  await stack?.stop();
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => void shutdown(signal));
watchAncestors(() => void shutdown("the command that started the stack exited"));

const stack = await starting;
if (!stopping) console.log(describeStack(stack, localDir));
