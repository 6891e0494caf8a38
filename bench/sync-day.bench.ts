import { fanOutContactSync } from "../shared/contacts/contact-sync-fanout";
import { ContactSyncRequested } from "../shared/contacts/contact-sync-messages";
import { recordActivity } from "../shared/contacts/contact-sync-schedule";
import { runContactSync } from "../shared/contacts/contact-sync-worker";
import { workerDeps } from "../shared/contacts/test/contact-sync-test-support";
import { ORG, silentLog, USERS } from "../shared/identity/test/identity-test-support";
import type { EventPublisher } from "../shared/platform/pubsub";
import type { Bench, Figure } from "./bench";
import { withContactsBench } from "./contacts-bench-env";

const TICK_MS = 5 * 60_000;
const TICKS_PER_DAY = 288;

const bench: Bench = {
  name: "sync-day",
  description: "One simulated day of the adaptive contact-sync schedule: syncs and People calls per person",
  async run(): Promise<Figure[]> {
    return withContactsBench(
      "sync-day-bench",
      [
        { user: USERS.alice, givenName: "Alice", contacts: 200 },
        { user: USERS.bob, givenName: "Bob", contacts: 200 },
      ],
      async ({ db, sim, services }) => {
        const people = { alice: USERS.alice, bob: USERS.bob };
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
          if (hour >= 9 && hour < 19)
            await recordActivity(db, { orgId: ORG, userId: USERS.alice.userId }, now);
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
          {
            name: "sync_day.active.people_calls",
            value: peopleOf(USERS.alice.email),
            unit: "calls/user-day",
          },
          { name: "sync_day.idle.contact_syncs", value: syncs.bob, unit: "syncs/user-day" },
          { name: "sync_day.idle.people_calls", value: peopleOf(USERS.bob.email), unit: "calls/user-day" },
          { name: "sync_day.oauth_token_calls", value: tokensOf, unit: "calls/day (both people)" },
          { name: "sync_day.wall", value: wallS, unit: "s" },
        ];
      },
    );
  },
};

export default bench;
