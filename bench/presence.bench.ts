// Calendar presence: the webhook's acknowledgement latency under 200 concurrent notifications (bundled
// webhooks function over HTTP, Firestore and Pub/Sub emulators), and end-to-end latency from an event
// change in the simulator to the presence document (watch notification → webhooks → Pub/Sub →
// bundled calendar-sync → Firestore).
import { randomBytes } from "node:crypto";
import { Firestore } from "@google-cloud/firestore";
import { PubSub } from "@google-cloud/pubsub";
import { loadManifest } from "../functions/manifest";
import { SECRET } from "../shared/identity/secret-names";
import { newSigningKeyRing } from "../shared/identity/signing-keys";
import {
  CLIENT,
  identity,
  memorySecrets,
  ORG,
  recordingPublisher,
  seedGrant,
  startSim,
  testDeps,
  USERS,
} from "../shared/identity/test/identity-test-support";
import { newTokenKeyRing } from "../shared/identity/token-cipher";
import { pubsubPublisher } from "../shared/platform/pubsub";
import { newChannelToken, watchChannelLedger } from "../shared/platform/watch-channel-ledger";
import { CALENDAR_WEBHOOK_PATH } from "../shared/presence/calendar-webhook-routes";
import { CalendarSyncMessage } from "../shared/presence/presence-messages";
import { buildAll } from "../tools/build/build";
import { freePort, startEmulators } from "../tools/emulators/emulators";
import { startFunction } from "../tools/stack/function-process";
import { wirePubSub } from "../tools/stack/pubsub-wiring";
import { writeSecretsFile } from "../tools/testing/function-harness";
import type { Bench, Figure } from "./bench";

const CONCURRENT = 200;
const E2E_RUNS = 20;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const bench: Bench = {
  name: "presence",
  description:
    "webhook ack latency (p50/p99) under 200 concurrent notifications; event change in the sim → presence document (p50/p95)",
  async run(): Promise<Figure[]> {
    const projectId = "presence-bench";
    const [emulators] = await Promise.all([
      startEmulators({ projectId }),
      buildAll(["webhooks", "calendar-sync"]),
    ]);
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    process.env.PUBSUB_EMULATOR_HOST = emulators.pubsubHost;
    const sim = await startSim();
    const db = new Firestore({ projectId });
    const secretValues = {
      [SECRET.tokenEncryptionKeys]: newTokenKeyRing("bench-1"),
      [SECRET.oauthClientSecret]: CLIENT.clientSecret,
      [SECRET.sessionSigningKeys]: await newSigningKeyRing(),
    };
    const secretsFile = await writeSecretsFile(secretValues);
    const webhooksPort = await freePort();
    const env = {
      GOOGLE_CLOUD_PROJECT: projectId,
      FIRESTORE_EMULATOR_HOST: emulators.firestoreHost,
      PUBSUB_EMULATOR_HOST: emulators.pubsubHost,
      SWITCHBOARD_ENV: "test",
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: secretsFile,
      GOOGLE_API_ROOT_URL: `${sim.url}/`,
      GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
      GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
      PUBLIC_WEBHOOKS_URL: `http://127.0.0.1:${webhooksPort}`,
      LOG_LEVEL: "WARNING",
    };
    const manifest = loadManifest();
    const spec = (name: string) => manifest.functions.find((f) => f.name === name)!;
    const [webhooks, syncFn] = await Promise.all([
      startFunction(spec("webhooks"), { env, port: webhooksPort }),
      startFunction(spec("calendar-sync"), { env, port: await freePort() }),
    ]);
    try {
      // Topics only for now: part 1 measures the webhook alone (its requests have no subscriber yet).
      const pubsub = new PubSub({ projectId, apiEndpoint: emulators.pubsubHost, emulatorMode: true });
      await pubsub.createTopic("calendar-sync");
      await pubsub.close();
      const figures: Figure[] = [];

      // 1. Ack latency: 20 channels whose tokens we hold (20 users without a grant: the syncs they would
      //    trigger end at once), notified 10 times each, all 200 at once, with distinct message numbers.
      const ledger = watchChannelLedger(db);
      const channels = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const token = newChannelToken();
          const id = `sb-cal-bench-${i}-${randomBytes(4).toString("hex")}`;
          await ledger.recordOpening({
            kind: "calendar",
            id,
            token,
            orgId: ORG,
            userId: `u-bench-${i}`,
            resource: "primary",
            expiresAt: new Date(Date.now() + 3600_000),
            now: new Date(),
          });
          await ledger.markActive(id, `bench-resource-${i}`, new Date(Date.now() + 3600_000));
          return { id, token, resourceId: `bench-resource-${i}` };
        }),
      );
      const notify = async (n: number) => {
        const c = channels[n % channels.length]!;
        const t = performance.now();
        const res = await fetch(`${webhooks.url}${CALENDAR_WEBHOOK_PATH}`, {
          method: "POST",
          headers: {
            "x-goog-channel-id": c.id,
            "x-goog-channel-token": c.token,
            "x-goog-resource-id": c.resourceId,
            "x-goog-resource-state": "exists",
            "x-goog-message-number": String(n),
          },
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        return performance.now() - t;
      };
      for (let i = 0; i < 20; i++) await notify(1_000_000 + i); // warm-up: every channel cached
      const sequential: number[] = [];
      for (let i = 0; i < 50; i++) sequential.push(await notify(5_000_000 + i));
      figures.push({
        name: "presence.webhook_ack.sequential.p50",
        value: quantile(sequential, 0.5),
        unit: "ms",
      });
      // The floor: 200 concurrent requests the webhook refuses before any I/O (no channel headers).
      const floor = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const t = performance.now();
          const res = await fetch(`${webhooks.url}${CALENDAR_WEBHOOK_PATH}`, { method: "POST" });
          await res.arrayBuffer();
          return performance.now() - t;
        }),
      );
      figures.push({
        name: "presence.webhook_ack.concurrent200_no_io_floor.p50",
        value: quantile(floor, 0.5),
        unit: "ms",
      });
      const acks = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => notify(2 + i * 3)));
      figures.push(
        { name: "presence.webhook_ack.concurrent200.p50", value: quantile(acks, 0.5), unit: "ms" },
        { name: "presence.webhook_ack.concurrent200.p99", value: quantile(acks, 0.99), unit: "ms" },
      );

      await wirePubSub(
        { functions: [spec("calendar-sync")] },
        { projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => syncFn.url },
      );

      // 2. End to end: connect alice, then move her meeting's end and time until the document shows it.
      const ids = identity(
        testDeps(sim, {
          projectId,
          secrets: memorySecrets(secretValues),
          publisher: recordingPublisher(),
          db,
        }),
      );
      await seedGrant(ids, sim, USERS.alice, { integrations: ["calendar"] });
      await pubsubPublisher(projectId).publish(
        CalendarSyncMessage,
        {
          orgId: ORG,
          userId: USERS.alice.userId,
          action: "connect",
          reason: "connect",
          requestedAt: new Date().toISOString(),
        },
        { orderingKey: `${ORG}/${USERS.alice.userId}` },
      );
      const doc = db.doc(`orgs/${ORG}/presence/${USERS.alice.userId}`);
      const untilMs = async () => {
        const d = (await doc.get()).data();
        return (d?.until as { toMillis(): number } | null | undefined)?.toMillis();
      };
      for (let t = Date.now(); Date.now() - t < 30_000; await sleep(100)) {
        const live = await ledger.live("calendar", { orgId: ORG, userId: USERS.alice.userId });
        if (live.some((c) => c.status === "active") && (await doc.get()).exists) break;
      }
      const start = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
      const ev = sim.control.calendar.createEvent(USERS.alice.email, {
        summary: "Bench",
        start: { dateTime: new Date(start).toISOString() },
        end: { dateTime: new Date(start + 30 * 60_000).toISOString() },
      }) as { id: string };
      const e2e: number[] = [];
      for (let i = 0; i < E2E_RUNS + 1; i++) {
        const end = start + (31 + i) * 60_000;
        const t = performance.now();
        sim.control.calendar.moveEvent(USERS.alice.email, ev.id, {
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
        });
        for (;;) {
          if ((await untilMs()) === end) break;
          if (performance.now() - t > 30_000) throw new Error("presence did not follow the event");
          await sleep(5);
        }
        if (i > 0) e2e.push(performance.now() - t); // the first run warms the sync function
      }
      figures.push(
        { name: "presence.event_to_presence.p50", value: quantile(e2e, 0.5), unit: "ms" },
        { name: "presence.event_to_presence.p95", value: quantile(e2e, 0.95), unit: "ms" },
      );
      return figures;
    } finally {
      await Promise.all([webhooks.stop(), syncFn.stop()]);
      await sim.stop();
      await db.terminate();
      await emulators.stop();
    }
  },
};

export default bench;
