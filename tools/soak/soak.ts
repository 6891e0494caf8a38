// The soak: the whole stack (every function as its own process, the Firestore and Pub/Sub emulators, the
// Workspace simulator) with two organisations, changes on both sides of contacts, calendar changes,
// directory joins, moves and leavers, and faults, for a set time; Google's clock runs `speed` times
// faster (token lifetimes, sync lag). Then the faults stop, the scheduled ticks run once more, people ask
// for a sync, and the end state is checked until it holds or `settleSeconds` pass. The report counts
// changes, faults, recoveries and what did not hold.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Firestore } from "@google-cloud/firestore";
import { loadManifest } from "../../functions/manifest";
import { pubsubClient } from "../stack/pubsub-wiring";
import { scheduledMessage } from "../stack/scheduler";
import { type RunningStack, startStack } from "../stack/stack";
import { simHttp } from "./sim-http";
import { directoryActions, type PersonAction, type SoakActors, soakActions } from "./soak-actions";
import { soakFaults } from "./soak-faults";
import { checkAll, type Violation } from "./soak-invariants";
import { SoakLedger, seededRandom } from "./soak-ledger";
import {
  awaitAccounts,
  connectCalendar,
  eachLimit,
  onboardOrg,
  type SoakPerson,
  signIn,
  targetsOf,
} from "./soak-setup";
import { soakOrgs, soakSeed } from "./soak-world";

export interface SoakOptions {
  /** How long changes and faults go on. */
  minutes: number;
  peoplePerOrg: number;
  /** Replays the same choices. */
  seed: number;
  /** Google's clock runs this many times faster than the wall clock. */
  speed: number;
  /** Person actions started per second (at most four in flight). */
  actionsPerSecond: number;
  /** A fault every this many seconds, on average. */
  faultEverySeconds: number;
  /** How long the end state may take to hold after the faults stop. */
  settleSeconds: number;
  projectId?: string;
  emulators?: { firestoreHost: string; pubsubHost: string };
  build?: boolean;
  log?: (line: string) => void;
}

export const SOAK_DEFAULTS: SoakOptions = {
  minutes: 10,
  peoplePerOrg: 100,
  seed: 1,
  speed: 4,
  actionsPerSecond: 4,
  faultEverySeconds: 5,
  settleSeconds: 600,
};

export interface SoakReport {
  violations: Violation[];
  figures: Record<string, number>;
  counts: Record<string, number>;
}

const PERSON_ACTIONS: Record<PersonAction, number> = {
  googleAdd: 24,
  googleEdit: 12,
  googleDelete: 6,
  switchboardAdd: 20,
  switchboardEdit: 10,
  switchboardDelete: 5,
  askForSync: 4,
  meetingStarts: 8,
  meetingEnds: 5,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(input: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o = { ...SOAK_DEFAULTS, ...input };
  const log = o.log ?? ((line: string) => console.log(line));
  const orgs = soakOrgs(o.peoplePerOrg);
  const ledger = new SoakLedger();
  const random = seededRandom(o.seed);
  const events: string[] = [];
  const started = Date.now();
  const stack: RunningStack = await startStack({
    projectId: o.projectId ?? `soak-${Date.now()}`,
    ...(o.emulators ? { emulators: o.emulators } : {}),
    localDir: await mkdtemp(join(tmpdir(), "sb-soak-")),
    build: o.build ?? true,
    stablePorts: false,
    scheduler: false,
    console: false,
    log: () => {},
    events: (line) => {
      events.push(line);
      log(line);
    },
    // A failed message is redelivered after 1–10 s (production: 10–600 s), so recovery fits the run.
    backoff: { minimumMs: 1_000, maximumMs: 10_000 },
    seed: async (ports) => soakSeed(orgs, `http://127.0.0.1:${ports.get("auth")}`),
    functionEnv: {
      CONTACT_SYNC_DEBOUNCE_SECONDS: "0",
      CALENDAR_RECONCILE_MINUTES: "1",
      LOG_LEVEL: "WARNING",
    },
  });
  const db = new Firestore({ projectId: stack.projectId });
  const pubsub = pubsubClient(stack.projectId, process.env.PUBSUB_EMULATOR_HOST!);
  const manifest = loadManifest();
  const tick = async (name: string) => {
    const fn = manifest.functions.find((f) => f.name === name)!;
    await pubsub.topic(fn.topic!).publishMessage({
      json: scheduledMessage({ name, schedule: fn.schedule ?? "", timeZone: fn.timeZone ?? "Etc/UTC" }),
    });
  };
  try {
    const t = targetsOf(stack);
    const sim = simHttp(t.simUrl);
    // Setup, through the routes.
    const admins = new Map<string, SoakPerson>();
    for (const org of orgs) admins.set(org.id, await onboardOrg(t, stack.secretsFile, org));
    for (const org of orgs) await awaitAccounts(db, org.id, [org.admin, ...org.people]);
    const actors: SoakActors = { people: new Map(), calendar: new Set(), busy: new Set() };
    for (const org of orgs) {
      for (const email of [org.admin, ...org.people])
        ledger.directory.set(email, { org: org.id, state: "active" });
      actors.people.set(org.admin, admins.get(org.id)!);
    }
    await eachLimit(
      orgs.flatMap((org) => org.people.map((email) => ({ org, email }))),
      6,
      async ({ org, email }) => {
        actors.people.set(email, await signIn(t, org.id, email));
      },
    );
    await eachLimit([...actors.people.values()], 6, async (p) => {
      await connectCalendar(p);
      actors.calendar.add(p.email);
    });
    const setupSeconds = (Date.now() - started) / 1000;
    log(`[soak] set up ${actors.people.size} people in ${orgs.length} orgs in ${setupSeconds.toFixed(0)} s`);

    // Changes and faults.
    const person = soakActions({ sim, ledger, random, actors, orgs, now: Date.now });
    const directory = directoryActions({ sim, ledger, random, actors, orgs });
    const faults = soakFaults({ sim, ledger, random, functions: stack.functions });
    const inFlight = new Set<Promise<void>>();
    const failures: string[] = [];
    const track = (what: string, work: () => Promise<void>) => {
      const p = work()
        .then(() => ledger.count(what))
        .catch((error: unknown) => {
          ledger.count(`failed ${what}`);
          failures.push(`${what}: ${(error as Error).message}`);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    const runUntil = started + setupSeconds * 1000 + o.minutes * 60_000;
    let lastTick = 0;
    let lastFanout = 0;
    let lastClock = Date.now();
    while (Date.now() < runUntil) {
      const now = Date.now();
      if (inFlight.size < 4) {
        const roll = random.next();
        if (roll < 0.03) {
          const kind = random.weighted({ join: 1, move: 1, leave: 1 });
          track(`directory ${kind}`, () => directory[kind]());
        } else {
          const p = random.pick([...actors.people.values()].filter((x) => !actors.busy.has(x.email)));
          if (p) {
            const action = random.weighted(PERSON_ACTIONS);
            actors.busy.add(p.email);
            track(action, () => person[action](p).finally(() => actors.busy.delete(p.email)));
          }
        }
      }
      if (random.next() < 1 / (o.faultEverySeconds * o.actionsPerSecond))
        track("fault", () => faults.inject());
      if (now - lastTick >= 15_000) {
        lastTick = now;
        track("tick presence-sweep", () => tick("presence-sweep"));
      }
      if (now - lastFanout >= 60_000) {
        lastFanout = now;
        track("tick contact-sync-fanout", () => tick("contact-sync-fanout"));
      }
      if (o.speed > 1 && now - lastClock >= 5_000) {
        const ms = (now - lastClock) * (o.speed - 1);
        lastClock = now;
        track("clock", () => sim("POST", "/_sim/clock/advance", { ms }).then(() => {}));
      }
      await sleep(1000 / o.actionsPerSecond);
    }
    log(`[soak] changes stopped; waiting for ${inFlight.size} in flight`);
    await Promise.all(inFlight);
    log("[soak] settling");

    // Settle: Google behaves, its sync lag passes, the ticks run, everyone asks for a sync.
    const quiet = Date.now();
    await faults.clear();
    await sim("POST", "/_sim/clock/advance", { ms: 5 * 60_000 });
    await tick("directory-reconcile");
    await eachLimit([...actors.people.values()], 8, (p) => person.askForSync(p).catch(() => {}));
    let violations: Violation[] = [];
    let renewed = false;
    let askedAt = Date.now();
    const settleUntil = quiet + o.settleSeconds * 1000;
    for (;;) {
      // A calendar whose push was lost is synced by the renewal tick once a minute has passed unsynced
      // (CALENDAR_RECONCILE_MINUTES=1), i.e. once every calendar synced since the faults stopped is current.
      if (!renewed && Date.now() - quiet > 65_000) {
        renewed = true;
        await tick("channel-renewal");
      }
      await tick("presence-sweep");
      violations = await checkAll({ sim, db, ledger, actors, admins, orgs });
      log(`[soak] ${violations.length} findings after ${((Date.now() - quiet) / 1000).toFixed(0)} s`);
      if ((violations.length === 0 && renewed) || Date.now() > settleUntil) break;
      // Someone whose contacts still differ asks again, as a person would, once a minute (a request
      // within CONTACT_SYNC_DEBOUNCE_SECONDS of the last accepted one is debounced anyway).
      if (Date.now() - askedAt > 60_000) {
        askedAt = Date.now();
        const behind = new Set(violations.flatMap((v) => (v.person ? [v.person] : [])));
        await eachLimit(
          [...actors.people.values()].filter((p) => behind.has(p.email)),
          8,
          (p) => person.askForSync(p).catch(() => {}),
        );
      }
      await sleep(5_000);
    }
    // The delivery bridge's line for a message forwarded to its dead-letter topic.
    const deadLettered = events.filter((line) => line.includes("forwarded to"));
    violations.push(...deadLettered.map((detail) => ({ kind: "dead_letter" as const, detail })));
    const deadLetters = deadLettered.length;
    const restarts = [...stack.functions.values()].reduce((n, f) => n + f.restarts, 0);
    const counts = Object.fromEntries([...ledger.counts].sort());
    const changes = [...ledger.counts]
      .filter(
        ([k]) => !k.startsWith("fault") && !k.startsWith("failed") && !k.startsWith("tick") && k !== "clock",
      )
      .reduce((n, [, v]) => n + v, 0);
    const faultsInjected = [...ledger.counts]
      .filter(([k]) => k.startsWith("fault "))
      .reduce((n, [, v]) => n + v, 0);
    for (const f of failures.slice(0, 20)) log(`[soak] action failed: ${f}`);
    return {
      violations,
      counts,
      figures: {
        people: actors.people.size,
        setupSeconds,
        runMinutes: o.minutes,
        changes,
        contactsMade: ledger.contacts.size,
        contactsLive: ledger.live().length,
        faultsInjected,
        functionRestarts: restarts,
        deadLetters,
        actionFailures: failures.length,
        settleSeconds: (Date.now() - quiet) / 1000,
        violations: violations.length,
      },
    };
  } finally {
    await pubsub.close();
    await db.terminate();
    await stack.stop();
  }
}
