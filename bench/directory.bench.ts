// Directory sync at scale against the Workspace simulator and the Firestore emulator: a first full sync
// of 50,000 users, then a reconcile with nothing changed (target: no writes besides the sync record,
// and no user read: the page digests vouch for unchanged pages), a reconcile after one user changed
// without a push (one page read again), and the daily reconcile that verifies every page (digests a day
// old: one read per user, as every reconcile did before the digests).
// Directory calls come from the simulator's request log; Firestore reads and writes are counted in the
// directory repositories (snapshot and sync state); peak memory is this process's RSS, which also holds
// the in-process simulator and its 50,000 users.
import { PAGE_DIGEST_MAX_AGE_MS } from "../shared/directory/directory-snapshot";
import { fullSyncStep } from "../shared/directory/directory-sync";
import {
  defaultSettings,
  serviceAccountSeed,
  testDirectory,
} from "../shared/directory/test/directory-test-support";
import { startEmulators } from "../tools/emulators/emulators";
import { startWorkspaceSim } from "../tools/workspace-sim/src/index";
import type { Bench, Figure } from "./bench";

const USERS = Number(process.env.DIRECTORY_BENCH_USERS ?? 50_000);
const ORG = "bench";

function peakMemory() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  return {
    reset: () => {
      peak = process.memoryUsage().rss;
    },
    peakMb: () => Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024),
    stop: () => clearInterval(timer),
  };
}

const bench: Bench = {
  name: "directory",
  description: `Directory full sync of ${USERS.toLocaleString("en-US")} users, then reconciles (unchanged, one change, the daily verification): Directory calls, Firestore reads/writes, wall time, peak memory`,
  async run(): Promise<Figure[]> {
    const projectId = "directory-bench";
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    const sim = await startWorkspaceSim({
      seed: {
        id: ORG,
        domain: "bench.example",
        users: [{ email: "root@bench.example", givenName: "Root", familyName: "Admin", isAdmin: true }],
        generatedUsers: USERS - 1,
        serviceAccounts: [serviceAccountSeed()],
      },
      saml: false,
      // The bench measures our calls, not the per-minute quota (100 list pages fit within it anyway).
      settings: { directory: { queriesPerMinute: null } },
    });
    const dir = await testDirectory(sim, projectId);
    const memory = peakMemory();
    try {
      await dir.services.settings.saveConnection(ORG, {
        mode: "delegation",
        impersonate: "root@bench.example",
      });
      // Preview mode: the sync alone is measured, no accounts are provisioned.
      await dir.services.settings.save(ORG, defaultSettings({ mode: "preview", scope: { kind: "domain" } }));
      const figures: Figure[] = [];
      const measure = async (name: string, kind: "full" | "reconcile") => {
        sim.control.clearRequestLog();
        dir.services.ops.reads = 0;
        dir.services.ops.writes = 0;
        memory.reset();
        const started = performance.now();
        let outcome = await fullSyncStep(dir.services, ORG, kind);
        while (outcome.status === "continue") outcome = await fullSyncStep(dir.services, ORG, kind);
        const wallMs = performance.now() - started;
        if (outcome.status !== "done") throw new Error(`sync ${outcome.status}`);
        figures.push(
          { name: `directory.${name}.users`, value: outcome.summary.users, unit: "users" },
          { name: `directory.${name}.changed`, value: outcome.summary.changed, unit: "users" },
          {
            name: `directory.${name}.directory_calls`,
            value: sim.control.requestCount({ api: "directory" }),
            unit: "calls",
          },
          { name: `directory.${name}.firestore_reads`, value: dir.services.ops.reads, unit: "reads" },
          { name: `directory.${name}.firestore_writes`, value: dir.services.ops.writes, unit: "writes" },
          { name: `directory.${name}.wall_time`, value: Math.round(wallMs), unit: "ms" },
          { name: `directory.${name}.peak_rss`, value: memory.peakMb(), unit: "MiB" },
        );
      };
      await measure("full_sync", "full");
      await measure("unchanged_reconcile", "reconcile");
      sim.control.renameUser("root@bench.example", { givenName: "Renamed" });
      await measure("one_change_reconcile", "reconcile");
      dir.advance(PAGE_DIGEST_MAX_AGE_MS + 60_000);
      await measure("daily_verify_reconcile", "reconcile");
      return figures;
    } finally {
      memory.stop();
      await sim.stop();
      await dir.db.terminate();
      await emulators.stop();
    }
  },
};

export default bench;
