// `npm start`: the local stack in the foreground until Ctrl-C or SIGTERM.
import { describeStack, startStack } from "./stack";

process.env.METADATA_SERVER_DETECTION = "none"; // never probe the GCE metadata server from here
const quiet = process.argv.includes("--quiet");
const stack = await startStack({ log: quiet ? () => {} : (line) => console.log(line) });
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
