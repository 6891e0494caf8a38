import { normaliseFields } from "../shared/contacts/contact-model";
import { type FirestoreMeter, firestoreContactRepository } from "../shared/contacts/contact-repository";
import { syncContacts } from "../shared/contacts/contact-sync";
import { newContact } from "../shared/contacts/sync-rules";
import { googlePeopleApi } from "../shared/google/people-api";
import { pacedPeopleApi, writeBudget } from "../shared/google/people-write-pacer";
import { ORG, silentLog, USERS } from "../shared/identity/test/identity-test-support";
import type { Bench, Figure } from "./bench";
import { withContactsBench } from "./contacts-bench-env";

export const IMPORTED = 5_000;

const bench: Bench = {
  name: "contacts-import",
  description: "Bulk import of 5,000 app contacts into Google: batch calls, quota pacing, 429s",
  async run(): Promise<Figure[]> {
    return withContactsBench(
      "contacts-import-bench",
      [{ user: USERS.alice, givenName: "Alice" }],
      async ({ db, sim, services }) => {
        const alice = { orgId: ORG, userId: USERS.alice.userId };
        const counts = { reads: 0, writes: 0 };
        const meter: FirestoreMeter = {
          read: (n) => (counts.reads += n),
          write: (n) => (counts.writes += n),
        };
        const repo = firestoreContactRepository(db, alice, meter);
        const clock = () => sim.control.now();
        // The app's contacts, as the API stores them: pending a push, no Google link yet.
        const made = Array.from({ length: IMPORTED }, (_, i) =>
          newContact(
            `import-${String(i).padStart(5, "0")}`,
            "personal",
            normaliseFields(
              {
                givenName: `Imported ${i}`,
                familyName: "Contact",
                phones: [{ value: `+4420794${String(10_000 + i).slice(-5)}` }],
                emails: [{ value: `imported.${i}@example.com` }],
              },
              "GB",
            ),
            clock(),
            null,
          ),
        );
        for (let i = 0; i < made.length; i += 500)
          await repo.writeMany(
            made.slice(i, i + 500).map((contact) => ({ contact, expect: "absent" as const })),
          );
        Object.assign(counts, { reads: 0, writes: 0 });

        const budget = writeBudget({ clock, sleep: async (ms) => void sim.control.advanceClock(ms) });
        const people = pacedPeopleApi(
          googlePeopleApi({ target: { rootUrl: sim.url }, tokens: services.tokens(), user: alice }),
          budget,
        );
        sim.control.clearRequestLog();
        const simStart = clock().getTime();
        const t = performance.now();
        const report = await syncContacts({ people, repo, region: "GB", clock, log: silentLog });
        const wallS = (performance.now() - t) / 1000;
        if (report.pushed.created !== IMPORTED)
          throw new Error(`pushed ${report.pushed.created} of ${IMPORTED}`);
        if ((await repo.listPending(1)).length > 0) throw new Error("contacts left pending after the import");
        const writeCalls = ["people.batchCreateContacts", "people.createContact"]
          .map((method) => sim.control.requestCount({ method }))
          .reduce((a, b) => a + b, 0);
        return [
          { name: "contacts.import_5k.people_write_calls", value: writeCalls, unit: "calls" },
          {
            name: "contacts.import_5k.people_calls",
            value: sim.control.requestCount({ api: "people" }),
            unit: "calls",
          },
          {
            name: "contacts.import_5k.people_429s",
            value: sim.control.requestCount({ status: 429 }),
            unit: "responses",
          },
          {
            name: "contacts.import_5k.quota_wait",
            value: budget.waitedMs() / 60_000,
            unit: "min (simulated)",
          },
          {
            name: "contacts.import_5k.google_time",
            value: (clock().getTime() - simStart) / 60_000,
            unit: "min (simulated)",
          },
          { name: "contacts.import_5k.wall", value: wallS, unit: "s" },
          { name: "contacts.import_5k.firestore_reads", value: counts.reads, unit: "docs" },
          { name: "contacts.import_5k.firestore_writes", value: counts.writes, unit: "docs" },
        ];
      },
    );
  },
};

export default bench;
