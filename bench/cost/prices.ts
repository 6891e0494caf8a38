// Google Cloud list prices the cost model uses: USD, us-central1, tier 1, free tiers left out (at scale
// they round to nothing, and leaving them out keeps the figure an upper bound). Copied from the pages
// linked beside each line on PRICES_AS_OF; check them before budgeting, as prices change.
export const PRICES_AS_OF = "2026-12-03";

export const PRICES = {
  /** Cloud Run functions (2nd gen) bill as Cloud Run, request-based: https://cloud.google.com/run/pricing */
  run: { vcpuSecond: 0.000024, gibSecond: 0.0000025, perMillionRequests: 0.4 },
  /** Firestore Standard, regional: https://cloud.google.com/firestore/pricing */
  firestore: { per100kReads: 0.03, per100kWrites: 0.09, per100kDeletes: 0.01, gibMonth: 0.15 },
  /** Pub/Sub throughput (publish and every delivery), 1,000 bytes at least per message: https://cloud.google.com/pubsub/pricing */
  pubsub: { perTiB: 40, minimumMessageBytes: 1000 },
  /** Cloud Scheduler, per job and month: https://cloud.google.com/scheduler/pricing */
  scheduler: { perJobMonth: 0.1 },
  /** Secret Manager: https://cloud.google.com/secret-manager/pricing */
  secretManager: { per10kAccesses: 0.03, perVersionMonth: 0.06 },
} as const;

/**
 * The vCPU a Cloud Functions (2nd gen) instance gets for its memory setting when none is set:
 * https://cloud.google.com/functions/docs/configuring/memory
 */
export const VCPU_FOR_MEMORY: Record<string, number> = {
  "128Mi": 0.083,
  "256Mi": 0.167,
  "512Mi": 0.333,
  "1Gi": 0.583,
  "2Gi": 1,
  "4Gi": 2,
};
