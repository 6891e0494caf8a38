// Contact sidebar latency, cold (no cache: every source asks Google) and warm (reopening: served from the
// Firestore cache), p50 and p95 over HTTP, against the Workspace simulator and the Firestore emulator; and
// Google calls per opening from the sim's request log. Gmail is counted two ways: HTTP round trips
// (messages.list + one batch) and calls Google charges (the batch's inner gets each count). Firestore
// reads and writes are those of the sidebar cache (the cache document, the source's generation at each
// fetch, and the transactional write); the token vault's grant reads are not counted here.
import { USERS } from "../shared/identity/test/identity-test-support";
import type { SidebarCache } from "../shared/sidebar/sidebar-cache";
import { startSidebarHarness } from "../shared/sidebar/test/sidebar-test-support";
import { startEmulators } from "../tools/emulators/emulators";
import type { Bench, Figure } from "./bench";

const CONTACTS = 30;
const MAILS_PER_CONTACT = 5;

/** Counts the cache's Firestore document reads and writes. */
function countingCache(ops: { reads: number; writes: number }) {
  return (inner: SidebarCache): SidebarCache => ({
    async read(user, email) {
      ops.reads += 1;
      return inner.read(user, email);
    },
    async generation(user, source) {
      ops.reads += 1;
      return inner.generation(user, source);
    },
    async write(user, email, source, section, generation) {
      ops.reads += 1; // the generation, inside the transaction
      const written = await inner.write(user, email, source, section, generation);
      if (written) ops.writes += 1;
      return written;
    },
    forget: (user, source) => inner.forget(user, source),
    async drop(user, email, source) {
      ops.writes += 1;
      return inner.drop(user, email, source);
    },
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

const bench: Bench = {
  name: "sidebar",
  description: `Contact sidebar over HTTP for ${CONTACTS} contacts: cold and warm latency (p50, p95), Google calls per opening`,
  async run(): Promise<Figure[]> {
    const projectId = "sidebar-bench";
    const emulators = await startEmulators({ projectId });
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    const ops = { reads: 0, writes: 0 };
    const h = await startSidebarHarness(projectId, "sidebar-bench", { wrapCache: countingCache(ops) });
    const perOpen = () => {
      const figures = { reads: ops.reads / CONTACTS, writes: ops.writes / CONTACTS };
      ops.reads = 0;
      ops.writes = 0;
      return figures;
    };
    try {
      const { alice } = USERS;
      await h.connect(alice, ["gmail", "drive", "calendar"]);
      const now = h.sim.control.now().getTime();
      const emails = Array.from({ length: CONTACTS }, (_, i) => `contact${i}@customer.example`);
      for (const [i, email] of emails.entries()) {
        for (let m = 0; m < MAILS_PER_CONTACT; m++) {
          h.sim.control.gmail.sendEmail({
            from: email,
            to: [alice.email],
            subject: `Mail ${m}`,
            at: now - (i * 10 + m) * 60_000,
          });
        }
        h.sim.control.drive.createFile({
          name: `Doc ${i}`,
          owner: alice.email,
          shares: [{ email, role: "writer" }],
        });
        h.sim.control.calendar.createEvent(alice.email, {
          summary: `Call ${i}`,
          start: { dateTime: new Date(now + (i + 1) * 3_600_000).toISOString() },
          end: { dateTime: new Date(now + (i + 1) * 3_600_000 + 1_800_000).toISOString() },
          attendees: [{ email }],
        });
      }
      // Warm-up: token vault, clients, Firestore connection.
      await h.api(alice, "GET", "/v1/sidebar/context?email=warmup@customer.example");
      const open = async (email: string) => {
        const t = performance.now();
        const res = await h.api(alice, "GET", `/v1/sidebar/context?email=${email}`);
        if (res.status !== 200 || res.body.emails.state !== "ok")
          throw new Error(`sidebar failed: ${JSON.stringify(res.body)}`);
        return performance.now() - t;
      };
      h.sim.control.clearRequestLog();
      perOpen();
      const cold: number[] = [];
      for (const email of emails) cold.push(await open(email));
      const count = (f: Record<string, string>) => h.sim.control.requestCount(f) / CONTACTS;
      const gmailCharged = count({ api: "gmail" }) - count({ api: "gmail", method: "gmail.batch" });
      const gmailRoundTrips =
        count({ api: "gmail", method: "gmail.users.messages.list" }) +
        count({ api: "gmail", method: "gmail.batch" });
      const driveCold = count({ api: "drive" });
      const calendarCold = count({ api: "calendar" });
      await h.sidebar.context().settled();
      const coldOps = perOpen();
      h.sim.control.clearRequestLog();
      const warm: number[] = [];
      for (const email of emails) warm.push(await open(email));
      const warmCalls = h.sim.control.requestCount({}) / CONTACTS;
      const warmOps = perOpen();
      return [
        { name: "sidebar.cold_p50", value: quantile(cold, 0.5), unit: "ms" },
        { name: "sidebar.cold_p95", value: quantile(cold, 0.95), unit: "ms" },
        { name: "sidebar.warm_p50", value: quantile(warm, 0.5), unit: "ms" },
        { name: "sidebar.warm_p95", value: quantile(warm, 0.95), unit: "ms" },
        { name: "sidebar.cold_gmail_round_trips_per_open", value: gmailRoundTrips, unit: "requests" },
        { name: "sidebar.cold_gmail_charged_calls_per_open", value: gmailCharged, unit: "calls" },
        { name: "sidebar.cold_drive_calls_per_open", value: driveCold, unit: "calls" },
        { name: "sidebar.cold_calendar_calls_per_open", value: calendarCold, unit: "calls" },
        { name: "sidebar.warm_google_calls_per_open", value: warmCalls, unit: "calls" },
        { name: "sidebar.cold_firestore_reads_per_open", value: coldOps.reads, unit: "reads" },
        { name: "sidebar.cold_firestore_writes_per_open", value: coldOps.writes, unit: "writes" },
        { name: "sidebar.warm_firestore_reads_per_open", value: warmOps.reads, unit: "reads" },
        { name: "sidebar.warm_firestore_writes_per_open", value: warmOps.writes, unit: "writes" },
      ];
    } finally {
      await h.stop();
      await emulators.stop();
    }
  },
};

export default bench;
