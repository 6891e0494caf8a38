// The contact-sync function's handler: one message = one user's sync (pull, then push), under a
// per-user lease so duplicated deliveries never run side by side. The work is state-based (cursor +
// pending flags), so duplicates and reordered messages only cost a cheap incremental call.
import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { googlePeopleApi, type PeopleApi } from "../google/people-api";
import { pacedPeopleApi, writeBudget } from "../google/people-write-pacer";
import type { RetryOptions } from "../google/retry";
import type { AccessTokenProvider, GrantLookup } from "../identity";
import { pubSubHandler } from "../platform/cloudevent";
import { AppError } from "../platform/errors";
import { WORKER_LEASE_MS, withLease } from "../platform/lease";
import type { Logger } from "../platform/logger";
import { type FirestoreMeter, firestoreContactRepository } from "./contact-repository";
import { type ContactSyncDeps, type ContactSyncReport, syncContacts } from "./contact-sync";
import { ContactSyncRequested } from "./contact-sync-messages";
import { orgRegionState } from "./org-region";
import { renormaliseUserContacts } from "./renormalise";

export interface ContactSyncWorkerDeps {
  db: () => Firestore;
  tokens: () => AccessTokenProvider;
  grants: () => GrantLookup;
  apiRootUrl: () => string;
  clock: () => Date;
  instanceId?: string;
  retry?: RetryOptions;
  meter?: FirestoreMeter;
  /** People page size (default 1000, Google's maximum). */
  pageSize?: number;
  /** Replaces the People adapter (benches and tests that count calls). */
  people?: (user: { orgId: string; userId: string }) => PeopleApi;
  /** The stale-etag re-read budget (tests pass a sleep that moves the simulator's clock). */
  etagRetry?: ContactSyncDeps["etagRetry"];
}

// Renewed while the sync runs (platform/lease.ts WORKER_LEASE_MS says why it is not the 540 s timeout).
const LEASE_MS = WORKER_LEASE_MS;

export async function runContactSync(
  deps: ContactSyncWorkerDeps,
  user: { orgId: string; userId: string },
  options: { directory: boolean },
  log: Logger,
): Promise<ContactSyncReport | "not_connected"> {
  const org = await orgRegionState(deps.db(), user.orgId);
  // Connected or not, a user's stored numbers follow the org's region (contacts made through the API
  // need no Google connection); a no-op read of one checkpoint once they do.
  await renormaliseUserContacts(
    { db: deps.db(), repo: firestoreContactRepository(deps.db(), user, deps.meter), clock: deps.clock, log },
    user,
    org,
  );
  const grant = await deps.grants().findForIntegration(user.orgId, user.userId, "contacts");
  if (grant?.status !== "connected") {
    log.info("contacts.sync_skipped", { reason: grant?.status ?? "not_connected" });
    return "not_connected";
  }
  const owner = deps.instanceId ?? `contact-sync-${randomUUID()}`;
  const outcome = await withLease(
    deps.db(),
    `contact-sync:${user.orgId}/${user.userId}`,
    owner,
    LEASE_MS,
    async () =>
      syncContacts(
        {
          people:
            deps.people?.(user) ??
            // Paced under the per-user write quota, so a bulk push waits for the window, not for 429s.
            pacedPeopleApi(
              googlePeopleApi({
                target: { rootUrl: deps.apiRootUrl() },
                tokens: deps.tokens(),
                user,
                ...(deps.retry ? { retry: deps.retry } : {}),
              }),
              writeBudget({ clock: deps.clock, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
            ),
          repo: firestoreContactRepository(deps.db(), user, deps.meter),
          region: org.region,
          clock: deps.clock,
          log,
          ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
          ...(deps.etagRetry ? { etagRetry: deps.etagRetry } : {}),
        },
        options,
      ),
  );
  if (!outcome.ran) {
    // Another delivery is syncing this user right now; redeliver so changes made meanwhile are not missed.
    throw new AppError("conflict", "A sync of this user is running", { retryable: true });
  }
  log.info("contacts.synced", {
    personal: outcome.result.personal,
    company: outcome.result.company,
    pushed: outcome.result.pushed,
  });
  return outcome.result;
}

/** The function's handler; the composition root hands in the process's dependencies. */
export function createContactSyncHandler(deps: () => ContactSyncWorkerDeps) {
  let resolved: ContactSyncWorkerDeps | undefined;
  return pubSubHandler(ContactSyncRequested, async (message, log) => {
    resolved ??= deps();
    const { orgId, userId, reason } = message.payload;
    await runContactSync(
      resolved,
      { orgId, userId },
      { directory: reason !== "api" && reason !== "region" },
      log.child({ orgId, userId }),
    );
  });
}
