// Standalone entry: `npm run sim` (flags --port, --host, --seed, --no-demo; env WORKSPACE_SIM_PORT,
// WORKSPACE_SIM_HOST, WORKSPACE_SIM_SEED). Seeds the demo organisation unless told otherwise.
// The root script nests npm, which swallows "--port"; so `npm run sim -- 0` (a bare port) works too.
import { parseArgs } from "node:util";
import { startWorkspaceSim } from "./index";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    seed: { type: "string" },
    "no-demo": { type: "boolean", default: false },
  },
});

const port = Number(values.port ?? positionals[0] ?? process.env.WORKSPACE_SIM_PORT ?? 8089);
const host = values.host ?? process.env.WORKSPACE_SIM_HOST ?? "127.0.0.1";
const seedFile = values.seed ?? process.env.WORKSPACE_SIM_SEED;

const sim = await startWorkspaceSim({
  port,
  host,
  ...(seedFile ? { seedFile } : { demo: !values["no-demo"] }),
});
const orgs = sim.control.orgs();
console.log(`workspace-sim listening on ${sim.url}`);
for (const org of orgs)
  console.log(`  org ${org.domain} (customer ${org.customerId}, idpid ${org.idpId}, ${org.users} users)`);
console.log(`  control API: ${sim.url}/_sim/orgs`);

const shutdown = () => {
  void sim.stop().finally(() => process.exit(0));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
