import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../shared/platform/config";
import { REPORTED_TOPICS } from "../shared/platform/delivery-failures";
import { WORKER_LEASE_MS } from "../shared/platform/lease";
import { PRODUCTION_BACKOFF } from "../tools/stack/pubsub-wiring";
import { allTopics, loadManifest, Manifest } from "./manifest";

/** How long Pub/Sub keeps redelivering a failing message: the backoff (doubling, capped) between attempts. */
const redeliveryWindowMs = (attempts: number) => {
  let total = 0;
  for (let retry = 0; retry < attempts - 1; retry++)
    total += Math.min(PRODUCTION_BACKOFF.maximumMs, PRODUCTION_BACKOFF.minimumMs * 2 ** retry);
  return total;
};

const here = fileURLToPath(new URL(".", import.meta.url));
const folders = readdirSync(here)
  .filter((name) => statSync(join(here, name)).isDirectory())
  .sort();

describe("function manifest", () => {
  const manifest = loadManifest();

  it("gives the health view each reported topic's dead-letter threshold as the manifest sets it", () => {
    for (const [topic, { maxDeliveryAttempts }] of Object.entries(REPORTED_TOPICS)) {
      const consumer = loadManifest().functions.find((f) => f.trigger === "topic" && f.topic === topic);
      expect(consumer?.maxDeliveryAttempts, topic).toBe(maxDeliveryAttempts);
    }
  });

  it("lists exactly the function folders, no more and no fewer", () => {
    expect(manifest.functions.map((f) => f.name).sort()).toEqual(folders);
  });

  it("has an index.ts entry in every function folder", () => {
    for (const name of folders) expect(statSync(join(here, name, "index.ts")).isFile()).toBe(true);
  });

  it("derives the topic list from what functions consume and publish", () => {
    expect(allTopics(manifest)).toContain("audit-events");
  });

  it("refuses an inconsistent entry with a message naming the function", () => {
    const [first] = manifest.functions;
    const broken = { functions: [{ ...first, trigger: "schedule", schedule: null, topic: "ticks" }] };
    const result = Manifest.safeParse(broken);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join()).toMatch(/schedule function needs schedule/);
  });

  it("refuses a function listed twice", () => {
    const [first] = manifest.functions;
    expect(Manifest.safeParse({ functions: [first, first] }).success).toBe(false);
  });

  // Leases and slot claims are renewed while their run lives; what they must fit is the time between a
  // killed run and the end of its message's redeliveries, and Pub/Sub's ack deadline (Terraform's
  // event-function module sets it to min(600 s, timeout)) must cover a live run so it is not redelivered.
  it("keeps every event function's timeout within the 600 s ack deadline, and a killed run's lease or slot claim shorter than its redeliveries", () => {
    const tickLeaseMs = ConfigSchema.parse({ GOOGLE_CLOUD_PROJECT: "proj-1" }).TICK_LEASE_MS;
    for (const fn of manifest.functions.filter((f) => f.trigger !== "http")) {
      expect(fn.timeoutSeconds, fn.name).toBeLessThanOrEqual(600);
      if (!fn.retry || !fn.maxDeliveryAttempts) continue;
      const window = redeliveryWindowMs(fn.maxDeliveryAttempts);
      expect(window, `${fn.name}: redeliveries outlast a dead slot claim`).toBeGreaterThan(tickLeaseMs);
      expect(window, `${fn.name}: redeliveries outlast a dead worker lease`).toBeGreaterThan(WORKER_LEASE_MS);
    }
  });
});
