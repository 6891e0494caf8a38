// Dollars from operations: one person's day of activities (usage-model.ts) priced with PRICES.
import { loadManifest } from "../../functions/manifest";
import { PRICES, VCPU_FOR_MEMORY } from "./prices";
import { type Activity, type Profile, storedBytesPerContact } from "./usage-model";

const DAYS_PER_MONTH = 30.4;
const GIB = 2 ** 30;
/** A Pub/Sub message of ours is well under 1 KB, so each is billed at the minimum. */
const MESSAGE_BYTES = PRICES.pubsub.minimumMessageBytes;

export interface MonthlyCost {
  compute: number;
  requests: number;
  firestoreOps: number;
  storage: number;
  pubsub: number;
  total: number;
  /** Operations a month, for the scale model. */
  counts: {
    invocations: number;
    reads: number;
    writes: number;
    messages: number;
    google: Record<string, number>;
  };
}

function memoryOf(fn: string): { gib: number; vcpu: number } {
  const spec = loadManifest().functions.find((f) => f.name === fn);
  const memory = spec?.memory ?? "256Mi";
  const gib = memory.endsWith("Gi") ? Number.parseFloat(memory) : Number.parseFloat(memory) / 1024;
  return { gib, vcpu: VCPU_FOR_MEMORY[memory] ?? 1 };
}

export function monthlyCostOf(profile: Profile, activities: Record<string, Activity>): MonthlyCost {
  const counts = { invocations: 0, reads: 0, writes: 0, messages: 0, google: {} as Record<string, number> };
  let compute = 0;
  for (const [name, perDay] of Object.entries(profile.perDay)) {
    const a = activities[name];
    if (!a) throw new Error(`the profile names an unknown activity ${name}`);
    const n = perDay * DAYS_PER_MONTH;
    const { gib, vcpu } = memoryOf(a.fn);
    const seconds = (a.wallMs / 1000) * n;
    compute += seconds * (vcpu * PRICES.run.vcpuSecond + gib * PRICES.run.gibSecond);
    if (!a.within) counts.invocations += n;
    counts.reads += a.reads * n;
    counts.writes += a.writes * n;
    counts.messages += a.messages * n;
    for (const [api, calls] of Object.entries(a.google))
      counts.google[api] = (counts.google[api] ?? 0) + calls * n;
  }
  const requests = (counts.invocations / 1e6) * PRICES.run.perMillionRequests;
  const firestoreOps =
    (counts.reads / 1e5) * PRICES.firestore.per100kReads +
    (counts.writes / 1e5) * PRICES.firestore.per100kWrites;
  const contacts = profile.personalContacts + profile.companyContacts;
  const storage = ((contacts * storedBytesPerContact()) / GIB) * PRICES.firestore.gibMonth;
  // Each message is published once and delivered once.
  const pubsub = ((counts.messages * 2 * MESSAGE_BYTES) / 2 ** 40) * PRICES.pubsub.perTiB;
  const total = compute + requests + firestoreOps + storage + pubsub;
  return { compute, requests, firestoreOps, storage, pubsub, total, counts };
}

/** What a deployment pays whatever its size: scheduled jobs, their ticks, and secret versions. */
export function fixedMonthlyCost(): number {
  const manifest = loadManifest();
  const scheduled = manifest.functions.filter((f) => f.trigger === "schedule");
  const secrets = new Set(manifest.functions.flatMap((f) => f.secrets));
  return (
    scheduled.length * PRICES.scheduler.perJobMonth + secrets.size * PRICES.secretManager.perVersionMonth
  );
}
