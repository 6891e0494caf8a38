// Directory write-back at scale against the Workspace simulator and the Firestore emulator: N users in
// provisioning scope each get a direct number and an extension assigned (the record change the PUT
// route makes, then the worker's handleWriteBack), the users.watch pushes of those writes come back
// through the real webhook route as echoes and are synced, and finally the same values are assigned
// again and every message is delivered a second time (both must write nothing to Google).
//
// Directory and OAuth calls come from the simulator's request log. Firestore reads and writes are the
// directory services' op counters, incremented by the write-back records (change: 1 read + 1 write;
// get: 1 read; settle: 1 read + 1 write) and by the snapshot and sync-state repositories (the echo).
// Three single-document reads of each write-back go through repositories without counters: the org's
// write-back switch (settings.get), the phone-system account (users.get) and the directory connection
// (read by profileApi). The bench counts those calls itself and reports them apart, as
// `*.firestore_reads_uncounted`. Not counted anywhere: the webhook route's channel lookup per push and
// the connection read of directoryApi per echo (so 2 more reads per echo than reported).
import { handleDirectorySync } from "../shared/directory/directory-sync-worker";
import { directoryWebhookRoutes } from "../shared/directory/directory-webhook";
import { accountIdFor } from "../shared/directory/provisioning-diff";
import {
  defaultSettings,
  serviceAccountSeed,
  type TestDirectory,
  testDirectory,
} from "../shared/directory/test/directory-test-support";
import { WRITE_BACK_CALLS_PER_MINUTE, writeBackDeps } from "../shared/directory/writeback/writeback-services";
import type { WriteBackDeps } from "../shared/directory/writeback/writeback-user";
import { handleWriteBack } from "../shared/directory/writeback/writeback-worker";
import { silentLog } from "../shared/identity/test/identity-test-support";
import { createHttpHandler } from "../shared/platform/http";
import { lazyPort } from "../shared/platform/lazy-port";
import { watchChannelLedger } from "../shared/platform/watch-channel-ledger";
import { startEmulators } from "../tools/emulators/emulators";
import { serveHandler } from "../tools/testing/handler-server";
import { startWorkspaceSim } from "../tools/workspace-sim/src/index";
import type { Bench, Figure } from "./bench";

const USERS = Number(process.env.DIRECTORY_WRITEBACK_BENCH_USERS ?? 200);
const ORG = "bench-writeback";
const DOMAIN = "writeback.example";
const USER_WRITE_SCOPE = "https://www.googleapis.com/auth/admin.directory.user";

const email = (i: number) => `person${i}@${DOMAIN}`;
/** Each person's own work number in Workspace, which write-back must leave in place. */
const ownPhone = (i: number) => `+1415555${String(i).padStart(4, "0")}`;
const directNumber = (i: number) => `+1415600${String(i).padStart(4, "0")}`;
const extensionOf = (i: number) => String(1000 + i);

const round2 = (v: number) => Math.round(v * 100) / 100;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

/**
 * The worker's deps with the reads of the uncounted repositories counted here: settings.get and
 * users.get are one document read each, and every profileApi() reads the directory connection once.
 */
function countingDeps(deps: WriteBackDeps): WriteBackDeps & { uncountedReads: () => number } {
  let reads = 0;
  return {
    ...deps,
    settings: {
      ...deps.settings,
      get: (orgId) => {
        reads += 1;
        return deps.settings.get(orgId);
      },
    },
    users: {
      ...deps.users,
      get: (orgId, userId) => {
        reads += 1;
        return deps.users.get(orgId, userId);
      },
    },
    profileApi: (orgId) => {
      reads += 1;
      return deps.profileApi(orgId);
    },
    uncountedReads: () => reads,
  };
}

const bench: Bench = {
  name: "directory-writeback",
  description: `Directory write-back of a number and extension to ${USERS.toLocaleString("en-US")} Workspace users, its push echoes and an idempotent repeat: Directory calls, Firestore reads/writes (as counted by the write-back records, snapshot and sync-state repositories; the switch, account and connection reads apart as *_uncounted), latency`,
  async run(): Promise<Figure[]> {
    if (USERS * 2 > WRITE_BACK_CALLS_PER_MINUTE)
      console.error(
        `directory-writeback: ${USERS} users need ${USERS * 2} Directory calls, over the worker's own limiter of ${WRITE_BACK_CALLS_PER_MINUTE} a minute per org: latency figures will include its waits`,
      );
    const projectId = "directory-writeback-bench";
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    const sim = await startWorkspaceSim({
      seed: {
        id: ORG,
        domain: DOMAIN,
        orgUnits: ["/Sales"],
        users: [
          { email: `root@${DOMAIN}`, givenName: "Root", familyName: "Admin", isAdmin: true },
          ...Array.from({ length: USERS }, (_, i) => ({
            email: email(i),
            givenName: "Person",
            familyName: `Number${i}`,
            orgUnitPath: "/Sales",
            phones: [{ value: ownPhone(i), type: "work" }],
          })),
        ],
        serviceAccounts: [serviceAccountSeed([USER_WRITE_SCOPE])],
      },
      saml: false,
      // The bench measures our calls, not Google's per-minute quota, so the simulator's is off; pushes
      // are batched for 5 ms instead of 20 so the echoes arrive quickly.
      settings: { directory: { queriesPerMinute: null, pushBatchWindowMs: 5 } },
    });
    // The webhook route publishes into the directory services' recording publisher, as in production
    // it publishes to the directory-sync topic.
    const box: { dir?: TestDirectory } = {};
    const webhooks = await serveHandler(
      createHttpHandler(
        directoryWebhookRoutes({
          ledger: lazyPort(() => watchChannelLedger(box.dir!.db)),
          publisher: { publish: (type, payload, opts) => box.dir!.publisher.publish(type, payload, opts) },
          clock: () => new Date(),
        }),
        { maxBodyBytes: 64 * 1024, log: silentLog },
      ),
    );
    const dir = await testDirectory(sim, projectId, { webhooksUrl: webhooks.url });
    box.dir = dir;
    const { ops } = dir.services;
    const calls = (method?: string) =>
      method ? sim.control.requestCount({ method }) : sim.control.requestCount({ api: "directory" });
    const snapshot = () => ({
      directory: calls(),
      gets: calls("directory.users.get"),
      updates: calls("directory.users.update"),
      tokens: calls("oauth.token"),
      reads: ops.reads,
      writes: ops.writes,
    });
    const since = (before: ReturnType<typeof snapshot>) => {
      const now = snapshot();
      return {
        directory: now.directory - before.directory,
        gets: now.gets - before.gets,
        updates: now.updates - before.updates,
        tokens: now.tokens - before.tokens,
        reads: now.reads - before.reads,
        writes: now.writes - before.writes,
      };
    };
    try {
      await dir.services.settings.saveConnection(ORG, { mode: "delegation", impersonate: `root@${DOMAIN}` });
      await dir.services.settings.save(
        ORG,
        defaultSettings({ scope: { kind: "orgUnits", paths: ["/Sales"], includeSubUnits: true } }),
      );
      // A first full sync provisions everyone in /Sales and opens the users.watch channel to the webhook.
      let step = await handleDirectorySync(
        dir.services,
        { kind: "full-sync", orgId: ORG, reason: "connect" },
        silentLog,
      );
      while (step.status === "continue")
        step = await handleDirectorySync(
          dir.services,
          { kind: "full-sync", orgId: ORG, reason: "continue" },
          silentLog,
        );
      if (step.status !== "done") throw new Error(`full sync ${step.status}`);
      if (sim.control.channels().length !== 1) throw new Error("no users.watch channel was opened");

      const workspaceIds = Array.from({ length: USERS }, (_, i) =>
        String(sim.control.userResource(email(i)).id),
      );
      const accounts = workspaceIds.map((id) => accountIdFor(id));
      for (const account of accounts)
        if ((await dir.services.apply.users.get(ORG, account))?.managedBy !== "provisioning")
          throw new Error(`account ${account} was not provisioned`);

      // Turning write-back on directly (the route would also queue a sweep, which finds nothing pending).
      // A worker instance per phase, each with its own production limiter: 2N calls in the first phase and
      // N in the last stay under WRITE_BACK_CALLS_PER_MINUTE for the default N = 200.
      const assignDeps = countingDeps(writeBackDeps(dir.services));
      await assignDeps.settings.save(ORG, { enabled: true });
      await sim.control.drainPushes();
      const figures: Figure[] = [{ name: "directory_writeback.users", value: USERS, unit: "users" }];
      const perUser = (v: number) => round2(v / USERS);

      // 1. Assign each user a direct number and an extension.
      const handleMs: number[] = [];
      let before = snapshot();
      const firstMessage = dir.publisher.messages.length;
      const started = performance.now();
      for (let i = 0; i < USERS; i++) {
        const userId = accounts[i]!;
        const numbers = { directNumber: directNumber(i), extension: extensionOf(i) };
        const record = await assignDeps.records.change(ORG, userId, { numbers }, dir.now());
        if (!record) throw new Error(`assigning ${userId} changed nothing`);
        const t = performance.now();
        const outcome = await handleWriteBack(assignDeps, { kind: "user", orgId: ORG, userId });
        handleMs.push(performance.now() - t);
        if (!("wrote" in outcome) || outcome.status !== "in_sync" || !outcome.wrote)
          throw new Error(`write-back of ${userId}: ${JSON.stringify(outcome)}`);
      }
      const assignMs = performance.now() - started;
      const assigned = since(before);
      // Every profile now holds the person's own number, untouched, and Switchboard's two entries.
      for (let i = 0; i < USERS; i++) {
        const phones = JSON.stringify(sim.control.userResource(email(i)).phones);
        const expected = JSON.stringify([
          { value: ownPhone(i), type: "work" },
          { value: directNumber(i), type: "custom", customType: "Switchboard" },
          { value: extensionOf(i), type: "custom", customType: "Switchboard extension" },
        ]);
        if (phones !== expected) throw new Error(`${email(i)} has phones ${phones}, expected ${expected}`);
      }
      figures.push(
        {
          name: "directory_writeback.assign.directory_calls",
          value: perUser(assigned.directory),
          unit: "calls/number",
        },
        { name: "directory_writeback.assign.users_get", value: perUser(assigned.gets), unit: "calls/number" },
        {
          name: "directory_writeback.assign.users_update",
          value: perUser(assigned.updates),
          unit: "calls/number",
        },
        {
          name: "directory_writeback.assign.oauth_tokens",
          value: perUser(assigned.tokens),
          unit: "requests/number",
        },
        {
          name: "directory_writeback.assign.firestore_reads",
          value: perUser(assigned.reads),
          unit: "reads/number",
        },
        {
          name: "directory_writeback.assign.firestore_reads_uncounted",
          value: perUser(assignDeps.uncountedReads()),
          unit: "reads/number",
        },
        {
          name: "directory_writeback.assign.firestore_writes",
          value: perUser(assigned.writes),
          unit: "writes/number",
        },
        {
          name: "directory_writeback.assign.writeback_median",
          value: round2(percentile(handleMs, 50)),
          unit: "ms",
        },
        {
          name: "directory_writeback.assign.writeback_p95",
          value: round2(percentile(handleMs, 95)),
          unit: "ms",
        },
        { name: "directory_writeback.assign.wall_time", value: Math.round(assignMs), unit: "ms" },
      );

      // 2. The echoes: each users.update comes back as a push, through the webhook, as a user-changed
      // message for the directory-sync worker (which reads the user again and must change nothing).
      await sim.control.drainPushes();
      const ours = new Set(workspaceIds);
      const echoes = dir.publisher.messages
        .slice(firstMessage)
        .filter((m) => m.topic === "directory-sync")
        .map((m) => m.payload as { kind: string; orgId: string; workspaceId?: string })
        .filter((p) => p.kind === "user-changed" && ours.has(p.workspaceId ?? ""));
      const pushes = sim.control
        .pushDeliveries()
        .filter((d) => d.state === "update" && d.status === 200 && d.user?.endsWith(`@${DOMAIN}`)).length;
      before = snapshot();
      const beforeEchoMessages = dir.publisher.messages.length;
      let snapshotChanged = 0;
      for (const echo of echoes) {
        const result = await handleDirectorySync(
          dir.services,
          { kind: "user-changed", orgId: ORG, workspaceId: echo.workspaceId! },
          silentLog,
        );
        if (result.status === "user" && result.changed) snapshotChanged += 1;
      }
      const echoed = since(before);
      const perEcho = (v: number) => round2(v / Math.max(1, echoes.length));
      const queuedByEchoes = dir.publisher.messages
        .slice(beforeEchoMessages)
        .filter((m) => m.topic === "directory-writeback" || m.topic === "user-provisioning").length;
      figures.push(
        { name: "directory_writeback.echo.pushes", value: pushes, unit: "pushes" },
        { name: "directory_writeback.echo.messages", value: echoes.length, unit: "messages" },
        {
          name: "directory_writeback.echo.directory_calls",
          value: perEcho(echoed.directory),
          unit: "calls/echo",
        },
        { name: "directory_writeback.echo.users_get", value: perEcho(echoed.gets), unit: "calls/echo" },
        {
          name: "directory_writeback.echo.oauth_tokens",
          value: perEcho(echoed.tokens),
          unit: "requests/echo",
        },
        {
          name: "directory_writeback.echo.firestore_reads",
          value: perEcho(echoed.reads),
          unit: "reads/echo",
        },
        {
          name: "directory_writeback.echo.firestore_writes",
          value: perEcho(echoed.writes),
          unit: "writes/echo",
        },
        { name: "directory_writeback.echo.users_update", value: echoed.updates, unit: "calls" },
        { name: "directory_writeback.echo.snapshot_changed", value: snapshotChanged, unit: "users" },
        { name: "directory_writeback.echo.messages_queued", value: queuedByEchoes, unit: "messages" },
      );

      // 3. Idempotency: the same values assigned again change no record (so nothing is queued), and a
      // duplicated message (a redelivery) reads the profile once and writes nothing to Google.
      const repeatDeps = countingDeps(writeBackDeps(dir.services));
      before = snapshot();
      let requeued = 0;
      for (let i = 0; i < USERS; i++) {
        const numbers = { directNumber: directNumber(i), extension: extensionOf(i) };
        if (await repeatDeps.records.change(ORG, accounts[i]!, { numbers }, dir.now())) requeued += 1;
      }
      const reassigned = since(before);
      figures.push(
        { name: "directory_writeback.reassign.queued", value: requeued, unit: "messages" },
        { name: "directory_writeback.reassign.directory_calls", value: reassigned.directory, unit: "calls" },
        {
          name: "directory_writeback.reassign.firestore_reads",
          value: perUser(reassigned.reads),
          unit: "reads/assignment",
        },
        {
          name: "directory_writeback.reassign.firestore_writes",
          value: perUser(reassigned.writes),
          unit: "writes/assignment",
        },
      );
      before = snapshot();
      for (const userId of accounts) {
        const outcome = await handleWriteBack(repeatDeps, { kind: "user", orgId: ORG, userId });
        if (!("wrote" in outcome) || outcome.status !== "in_sync" || outcome.wrote)
          throw new Error(`duplicate for ${userId}: ${JSON.stringify(outcome)}`);
      }
      const duplicated = since(before);
      figures.push(
        {
          name: "directory_writeback.duplicate.directory_calls",
          value: perUser(duplicated.directory),
          unit: "calls/duplicate",
        },
        {
          name: "directory_writeback.duplicate.users_get",
          value: perUser(duplicated.gets),
          unit: "calls/duplicate",
        },
        {
          name: "directory_writeback.duplicate.users_update",
          value: perUser(duplicated.updates),
          unit: "calls/duplicate",
        },
        {
          name: "directory_writeback.duplicate.firestore_reads",
          value: perUser(duplicated.reads),
          unit: "reads/duplicate",
        },
        {
          name: "directory_writeback.duplicate.firestore_reads_uncounted",
          value: perUser(repeatDeps.uncountedReads()),
          unit: "reads/duplicate",
        },
        {
          name: "directory_writeback.duplicate.firestore_writes",
          value: perUser(duplicated.writes),
          unit: "writes/duplicate",
        },
      );
      return figures;
    } finally {
      await webhooks.close();
      await sim.stop();
      await dir.db.terminate();
      await emulators.stop();
    }
  },
};

export default bench;
