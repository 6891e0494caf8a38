// A simulated day of the adaptive contact-sync schedule: 288 five-minute fan-out ticks on the simulator's
// clock, each request run by the real contact-sync worker against the simulator over HTTP and the
// Firestore emulator. Alice uses the app from 09:00 to 19:00 (her session refreshes record activity); Bob
// is connected but never opens it. Figures: contact syncs and People calls per person per day (the
// inputs the cost and scale models take as SYNC_SCHEDULE), Google token refreshes, the fan-out's reads.
import { Firestore } from "@google-cloud/firestore";
import { fanOutContactSync } from "../shared/contacts/contact-sync-fanout";
import { ContactSyncRequested } from "../shared/contacts/contact-sync-messages";
import { recordActivity } from "../shared/contacts/contact-sync-schedule";
import { runContactSync } from "../shared/contacts/contact-sync-worker";
import { workerDeps } from "../shared/contacts/test/contact-sync-test-support";
import {
  CLIENT,
  identity,
  ORG,
  recordingPublisher,
  seedGrant,
  silentLog,
  testDeps,
  testSecrets,
  USERS,
} from "../shared/identity/test/identity-test-support";
import type { EventPublisher } from "../shared/platform/pubsub";
import { startEmulators } from "../tools/emulators/emulators";
import { startWorkspaceSim } from "../tools/workspace-sim/src/index";
import type { Bench, Figure } from "./bench";

const TICK_MS = 5 * 60_000;
const TICKS_PER_DAY = 288;

const bench: Bench = {
  name: "sync-day",
  description: "One simulated day of the adaptive contact-sync schedule: syncs and People calls per person",
  async run(): Promise<Figure[]> {
    const projectId = "sync-day-bench";
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    const sim = await startWorkspaceSim({
      seed: {
        domain: "acme.test",
        defaultRegion: "GB",
        users: [
          { email: USERS.alice.email, givenName: "Alice", familyName: "Acme", generatedContacts: 200 },
          { email: USERS.bob.email, givenName: "Bob", familyName: "Acme", generatedContacts: 200 },
        ],
        oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/cb"] }],
      },
      saml: false,
    });
    const db = new Firestore({ projectId });
    try {
      const services = identity(
        testDeps(sim, { projectId, db, secrets: await testSecrets(), publisher: recordingPublisher() }),
      );
      const people = { alice: USERS.alice, bob: USERS.bob };
      for (const u of Object.values(people))
        await seedGrant(services, sim, u, { integrations: ["contacts"] });
      await db.doc(`orgs/${ORG}`).set({ defaultRegion: "GB" }, { merge: true });
      const clock = () => sim.control.now();
      const deps = workerDeps(sim, db, services, { clock });
      // Start the day at midnight (sim time), after each person's first (connect-time) sync.
      const midnight = new Date(Math.ceil(clock().getTime() / 86_400_000) * 86_400_000);
      for (const u of Object.values(people))
        await runContactSync(deps, { orgId: ORG, userId: u.userId }, { directory: true }, silentLog);
      sim.control.advanceClock(midnight.getTime() - clock().getTime());
      sim.control.clearRequestLog();

      const requests: Array<{ userId: string; reason: string }> = [];
      const publisher: EventPublisher = {
        async publish(_type, payload) {
          requests.push(ContactSyncRequested.schema.parse(payload));
          return String(requests.length);
        },
      };
      const syncs = { alice: 0, bob: 0 };
      const t = performance.now();
      for (let tick = 0; tick < TICKS_PER_DAY; tick++) {
        const now = clock();
        const hour = now.getUTCHours();
        if (hour >= 9 && hour < 19) await recordActivity(db, { orgId: ORG, userId: USERS.alice.userId }, now);
        requests.length = 0;
        await fanOutContactSync(db, publisher, now, silentLog);
        for (const r of requests) {
          await runContactSync(
            deps,
            { orgId: ORG, userId: r.userId },
            { directory: r.reason !== "api" },
            silentLog,
          );
          if (r.userId === USERS.alice.userId) syncs.alice++;
          if (r.userId === USERS.bob.userId) syncs.bob++;
        }
        sim.control.advanceClock(TICK_MS);
      }
      const wallS = (performance.now() - t) / 1000;
      const peopleOf = (email: string) => sim.control.requestCount({ api: "people", user: email });
      const tokensOf = sim.control.requestCount({ api: "oauth" });
      return [
        { name: "sync_day.active.contact_syncs", value: syncs.alice, unit: "syncs/user-day" },
        { name: "sync_day.active.people_calls", value: peopleOf(USERS.alice.email), unit: "calls/user-day" },
        { name: "sync_day.idle.contact_syncs", value: syncs.bob, unit: "syncs/user-day" },
        { name: "sync_day.idle.people_calls", value: peopleOf(USERS.bob.email), unit: "calls/user-day" },
        { name: "sync_day.oauth_token_calls", value: tokensOf, unit: "calls/day (both people)" },
        { name: "sync_day.wall", value: wallS, unit: "s" },
      ];
    } finally {
      await db.terminate();
      await sim.stop();
      await emulators.stop();
    }
  },
};

export default bench;
