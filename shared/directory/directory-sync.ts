// The directory sync use case. A full sync (first connection, or the scheduled reconcile) lists org
// units, groups and members, then pages users 500 at a time into the snapshot, writing only what
// changed; users no longer listed are marked deleted. A push (users.watch) is only a hint: the user is
// fetched again (users.get), so out-of-order or duplicated pushes converge. In automatic mode each
// change is provisioned at once; in preview mode an admin applies the previewed diff.
import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { UserAccount } from "../accounts";
import type { DirectoryApi, WorkspaceUser } from "../google/directory-api";
import { AppError } from "../platform/errors";
import { WORKER_LEASE_MS, withLease } from "../platform/lease";
import type { Logger } from "../platform/logger";
import { mirrorDepartments } from "./departments";
import type { DirectorySnapshot, SnapshotUser } from "./directory-snapshot";
import { type Actor, type ApplyDeps, type ApplyResult, applyProvisioningChanges } from "./provisioning-apply";
import { type ProvisioningDiff, provisioningDiff } from "./provisioning-diff";
import type { ProvisioningSettingsRepository } from "./provisioning-settings";
import type { SyncStateRepository, SyncSummary } from "./sync-state";

export interface DirectorySyncDeps {
  db: Firestore;
  snapshot: DirectorySnapshot;
  syncState: SyncStateRepository;
  settings: ProvisioningSettingsRepository;
  /** The org's Directory API, authenticated as its connection says. */
  directoryApi: (orgId: string) => Promise<DirectoryApi>;
  apply: ApplyDeps;
  clock: () => Date;
  log: Logger;
  instanceId?: string;
  /** Stop paging after this long and continue in a new message (a function's deadline is short). */
  stepBudgetMs?: number;
}

export type FullSyncOutcome =
  | { status: "done"; summary: SyncSummary; provisioning: ApplyResult | null }
  | { status: "continue"; runId: string; pages: number }
  | { status: "busy" };

const LEASE_TTL_MS = WORKER_LEASE_MS; // renewed while the step runs (platform/lease.ts says why)

/** The whole diff for an org (snapshot, structure, accounts, seats) at the deps' clock. */
export async function computeFullDiff(
  deps: Pick<DirectorySyncDeps, "snapshot" | "settings" | "apply" | "clock">,
  orgId: string,
): Promise<{ diff: ProvisioningDiff; version: number; accounts: UserAccount[] } | undefined> {
  const settings = await deps.settings.get(orgId);
  if (!settings) return undefined;
  const version = await deps.snapshot.version(orgId);
  const [users, structure, accounts, seatsInUse] = await Promise.all([
    deps.snapshot.allUsers(orgId),
    deps.snapshot.readStructure(orgId),
    deps.apply.users.listAll(orgId),
    deps.apply.users.countLicensed(orgId),
  ]);
  const diff = provisioningDiff({
    settings,
    users,
    complete: true,
    groups: structure.groups,
    accounts,
    seatsInUse,
    now: deps.clock(),
  });
  return { diff, version, accounts };
}

const SYSTEM: Actor = { type: "system", id: "directory-sync" };

async function provisionAll(deps: DirectorySyncDeps, orgId: string): Promise<ApplyResult | null> {
  const settings = await deps.settings.get(orgId);
  if (!settings?.enabled || settings.mode !== "automatic") return null;
  const computed = await computeFullDiff(deps, orgId);
  if (!computed) return null;
  logReport(deps.log, orgId, computed.diff);
  const result = await applyProvisioningChanges(deps.apply, orgId, settings, computed.diff.changes, SYSTEM);
  await mirrorDepartmentsAfter(deps, orgId, computed.accounts, result);
  return result;
}

/** Departments follow the accounts as they are after a full provisioning pass. */
export async function mirrorDepartmentsAfter(
  deps: Pick<DirectorySyncDeps, "db" | "apply" | "snapshot">,
  orgId: string,
  accountsBefore: UserAccount[],
  result: ApplyResult,
): Promise<void> {
  const accounts = result.applied > 0 ? await deps.apply.users.listAll(orgId) : accountsBefore;
  await mirrorDepartments(deps.db, orgId, accounts, deps.snapshot.ops);
}

function logReport(log: Logger, orgId: string, diff: ProvisioningDiff) {
  if (diff.report.duplicateEmails.length > 0 || diff.report.seatShortage.length > 0) {
    log.warn("provisioning.needs_attention", {
      orgId,
      duplicateEmails: diff.report.duplicateEmails.length,
      seatShortage: diff.report.seatShortage.length,
    });
  }
}

/**
 * One step of a full sync: resumes the org's run (or starts one), pages users until done or out of
 * budget. Errors are recorded on the sync state (status page) and rethrown (retryable ones redeliver).
 */
export async function fullSyncStep(
  deps: DirectorySyncDeps,
  orgId: string,
  kind: "full" | "reconcile" = "full",
): Promise<FullSyncOutcome> {
  const owner = deps.instanceId ?? `sync-${randomUUID()}`;
  const leased = await withLease(deps.db, `directory-sync:${orgId}`, owner, LEASE_TTL_MS, async () => {
    try {
      return await runStep(deps, orgId, kind);
    } catch (error) {
      await deps.syncState.update(orgId, {
        lastError: { at: deps.clock().toISOString(), message: (error as Error).message },
      });
      throw error;
    }
  });
  return leased.ran ? leased.result : { status: "busy" };
}

async function runStep(
  deps: DirectorySyncDeps,
  orgId: string,
  kind: "full" | "reconcile",
): Promise<FullSyncOutcome> {
  const started = Date.now();
  const budget = deps.stepBudgetMs ?? 6 * 60_000;
  const api = await deps.directoryApi(orgId);
  const state = await deps.syncState.get(orgId);
  let run = state.run;
  if (!run) {
    run = {
      id: `${deps.clock().getTime()}-${randomUUID().slice(0, 8)}`,
      kind,
      startedAt: deps.clock().toISOString(),
    };
    await syncStructure(deps, api, orgId);
    await deps.syncState.update(orgId, { run });
  }
  let last = await deps.syncState.lastPage(orgId, run.id);
  // Every step makes progress (at least one page), however small its budget.
  let fetched = 0;
  while (!last || last.nextPageToken !== null) {
    if (last && fetched > 0 && Date.now() - started >= budget)
      return { status: "continue", runId: run.id, pages: last.n };
    fetched++;
    const page = await api.listUsers(last?.nextPageToken ?? undefined).catch(async (error: unknown) => {
      // A stored page token Google no longer accepts (they live 3 days): start the run over next time.
      if (last && error instanceof AppError && !error.retryable && error.status === 400) {
        await deps.syncState.update(orgId, { run: null });
        throw new AppError(
          "upstream_unavailable",
          `Page token refused; restarting the sync: ${error.message}`,
          { retryable: true, cause: error },
        );
      }
      throw error;
    });
    const n = (last?.n ?? 0) + 1;
    // A full sync (first connection, or an admin's "sync now") compares every user; a reconcile trusts
    // the digests of pages Google lists unchanged.
    const changed = await deps.snapshot.syncPage(orgId, n, page.items, deps.clock(), {
      verify: run.kind === "full",
    });
    const record = {
      n,
      ids: page.items.map((u) => u.id),
      changed: changed.length,
      nextPageToken: page.nextPageToken ?? null,
    };
    await deps.syncState.savePage(orgId, run.id, record);
    last = record;
  }
  const pages = await deps.syncState.pages(orgId, run.id);
  const seen = new Set(pages.flatMap((p) => p.ids));
  const deleted = await markUnlistedDeleted(deps, orgId, seen);
  await deps.snapshot.trimPages(orgId, last.n);
  const summary: SyncSummary = {
    runId: run.id,
    kind: run.kind,
    startedAt: run.startedAt,
    finishedAt: deps.clock().toISOString(),
    users: seen.size,
    changed: pages.reduce((n, p) => n + p.changed, 0),
    deleted,
    pages: pages.length,
  };
  await deps.syncState.update(orgId, { run: null, lastSync: summary, lastError: null });
  deps.log.info("directory.sync_done", { orgId, ...summary });
  const provisioning = await provisionAll(deps, orgId);
  return { status: "done", summary, provisioning };
}

/** Users the snapshot holds as live but the listing no longer returned: deleted in Workspace. */
async function markUnlistedDeleted(
  deps: DirectorySyncDeps,
  orgId: string,
  seen: Set<string>,
): Promise<number> {
  // A count first: when it matches, nobody vanished and the ids need not be read at all.
  if ((await deps.snapshot.countLiveUsers(orgId)) === seen.size) return 0;
  const missing = (await deps.snapshot.liveUserIds(orgId)).filter((id) => !seen.has(id));
  if (missing.length === 0) return 0;
  const stored = await deps.snapshot.readUsers(orgId, missing);
  const gone = [...stored.values()].map((u) => ({ user: stripSnapshot(u), deleted: true }));
  return (await deps.snapshot.saveChangedUsers(orgId, gone, stored, deps.clock())).length;
}

const stripSnapshot = ({ deleted: _d, hash: _h, changedAt: _c, ...user }: SnapshotUser): WorkspaceUser =>
  user;

async function syncStructure(deps: DirectorySyncDeps, api: DirectoryApi, orgId: string): Promise<void> {
  const orgUnits = await api.listOrgUnits();
  const groups = [];
  let groupToken: string | undefined;
  do {
    const page = await api.listGroups(groupToken);
    for (const g of page.items) {
      const memberIds: string[] = [];
      let memberToken: string | undefined;
      do {
        const members = await api.listMembers(g.id, memberToken);
        memberIds.push(...members.items);
        memberToken = members.nextPageToken;
      } while (memberToken);
      groups.push({ ...g, memberIds });
    }
    groupToken = page.nextPageToken;
  } while (groupToken);
  await deps.snapshot.saveStructure(orgId, orgUnits, groups);
}

/** What the push said besides the id: its slim body's primaryEmail and its resource state. */
export interface PushHint {
  primaryEmail?: string;
  event?: "add" | "update" | "delete" | "undelete" | "makeAdmin";
}

/**
 * The user a push names, as Google holds them now. A user still being created answers 404 by id for a
 * while (docs/google-behaviour.md; users.insert: "User creation is not complete"), so a 404 is retried
 * by the push's primary email; when a non-delete push's user is still not found, the hint is
 * redelivered later rather than read as a deletion.
 */
async function fetchPushedUser(
  api: DirectoryApi,
  workspaceId: string,
  hint: PushHint,
): Promise<WorkspaceUser | undefined> {
  const byId = await api.getUser(workspaceId);
  if (byId) return byId;
  if (hint.primaryEmail) {
    const byEmail = await api.getUser(hint.primaryEmail);
    if (byEmail?.id === workspaceId) return byEmail;
  }
  if (hint.event && hint.event !== "delete") {
    throw new AppError(
      "upstream_unavailable",
      `Workspace user ${workspaceId} is not visible yet after a "${hint.event}" push; retrying`,
      { retryable: true },
    );
  }
  return undefined;
}

/** A push said this user changed: fetch them (pushes are hints), store, and provision them if automatic. */
export async function syncChangedUser(
  deps: DirectorySyncDeps,
  orgId: string,
  workspaceId: string,
  hint: PushHint = {},
): Promise<{
  changed: boolean;
  provisioning: ApplyResult | null;
  report: ProvisioningDiff["report"] | null;
}> {
  const api = await deps.directoryApi(orgId);
  const current = await fetchPushedUser(api, workspaceId, hint);
  const stored = await deps.snapshot.readUsers(orgId, [workspaceId]);
  const before = stored.get(workspaceId);
  let incoming: { user: WorkspaceUser; deleted: boolean } | undefined;
  if (current) incoming = { user: current, deleted: false };
  else if (before) incoming = { user: stripSnapshot(before), deleted: true };
  if (!incoming) return { changed: false, provisioning: null, report: null };
  const changed = await deps.snapshot.saveChangedUsers(orgId, [incoming], stored, deps.clock());
  await deps.syncState.markPush(orgId, deps.clock());
  if (changed.length === 0) return { changed: false, provisioning: null, report: null };
  const settings = await deps.settings.get(orgId);
  if (!settings?.enabled || settings.mode !== "automatic")
    return { changed: true, provisioning: null, report: null };
  const user = changed[0]!;
  const [structure, accounts, seatsInUse] = await Promise.all([
    deps.snapshot.readStructure(orgId),
    deps.apply.users.findForWorkspaceUser(orgId, user.id, user.primaryEmail),
    deps.apply.users.countLicensed(orgId),
  ]);
  const diff = provisioningDiff({
    settings,
    users: [user],
    complete: false,
    groups: structure.groups,
    accounts,
    seatsInUse,
    now: deps.clock(),
  });
  logReport(deps.log, orgId, diff);
  const provisioning = await applyProvisioningChanges(deps.apply, orgId, settings, diff.changes, SYSTEM);
  return { changed: true, provisioning, report: diff.report };
}
