// Writes one user's Switchboard values to their Workspace profile. The queued message only names the
// user: the worker reads the newest record, so duplicated, late or reordered messages all converge and
// a write happens only when Google does not already show the values. Google documents no precondition
// on users.update and may ignore If-Match (last write wins), so the profile is read again right before
// the write: if it moved since the merge, it is merged again rather than overwritten. (If-Match is
// still sent; where Google honours it, a 412 also means "merge again".) An edit that lands after that
// last read is merged when its push arrives (directory-sync re-queues the user, see
// requeueWriteBackAfterPush).
import type { UserAccount, UserRepository } from "../../accounts";
import { publishAuditEvent } from "../../audit";
import type { DirectoryProfileApi, WorkspaceProfile } from "../../google/directory-profile-api";
import { AppError } from "../../platform/errors";
import type { Logger } from "../../platform/logger";
import type { EventPublisher } from "../../platform/pubsub";
import { type DesiredProfile, hasWrites, mergeProfile, switchboardPhones } from "./writeback-merge";
import type { Settlement, WriteBackRecord, WriteBackRecords, WriteBackStatus } from "./writeback-records";
import type { WriteBackSettings, WriteBackSettingsRepository } from "./writeback-settings";

export interface WriteBackDeps {
  records: WriteBackRecords;
  settings: WriteBackSettingsRepository;
  users: UserRepository;
  /** The org's Directory API with the write scope; throws needsPermission() when it is not granted. */
  profileApi(orgId: string): Promise<DirectoryProfileApi>;
  publisher: EventPublisher;
  clock: () => Date;
  log: Logger;
}

export type WriteBackOutcome = { status: WriteBackStatus | "none"; wrote: boolean; reason?: string };

export const NEEDS_PERMISSION = "needs_permission";

/** Write-back lacks the write scope (admin grant or delegation): shown to admins, never a failure. */
export const needsPermission = (message: string, cause?: unknown) =>
  new AppError("precondition_failed", message, {
    details: { reason: NEEDS_PERMISSION },
    ...(cause ? { cause } : {}),
  });

export const isNeedsPermission = (error: unknown): boolean =>
  error instanceof AppError && error.details?.reason === NEEDS_PERMISSION;

const MAX_ETAG_RACES = 3;

/** Why this account is never written, or undefined when it may be. */
function ineligible(account: UserAccount | undefined): string | undefined {
  if (!account) return "The phone-system account no longer exists";
  if (account.managedBy !== "provisioning" || !account.workspaceId)
    return "The account is not managed by directory provisioning";
  if (account.status !== "active" || account.pendingDeprovision)
    return "The user is outside the provisioning scope";
  return undefined;
}

export function desiredProfile(record: WriteBackRecord, settings: WriteBackSettings): DesiredProfile {
  return {
    phones: switchboardPhones(record.numbers),
    ...(settings.names && record.profile.name ? { name: record.profile.name } : {}),
    ...(settings.department && record.profile.department !== undefined
      ? { department: record.profile.department }
      : {}),
  };
}

export async function writeBackUser(
  deps: WriteBackDeps,
  orgId: string,
  userId: string,
): Promise<WriteBackOutcome> {
  const record = await deps.records.get(orgId, userId);
  if (!record) return { status: "none", wrote: false };
  const settle = async (
    status: WriteBackStatus,
    reason: string | null,
    extra: Omit<Settlement, "status" | "reason"> = {},
  ): Promise<WriteBackOutcome> => {
    await deps.records.settle(orgId, userId, { status, reason, ...extra }, deps.clock());
    return { status, wrote: extra.wrote === true, ...(reason ? { reason } : {}) };
  };

  const settings = await deps.settings.get(orgId);
  // Off: nothing is written and the record stays pending, so turning write-back on picks it up.
  if (!settings.enabled) return settle("off", "Directory write-back is turned off for this organisation");
  const account = await deps.users.get(orgId, userId);
  const refusal = ineligible(account);
  if (refusal || !account?.workspaceId) return settle("skipped", refusal ?? null);

  let api: DirectoryProfileApi;
  try {
    api = await deps.profileApi(orgId);
  } catch (error) {
    if (!isNeedsPermission(error)) throw error;
    const reason = (error as Error).message;
    await deps.settings.saveAccess(orgId, {
      state: "needs_permission",
      reason,
      at: deps.clock().toISOString(),
    });
    return settle("needs_permission", reason);
  }
  const desired = desiredProfile(record, settings);
  for (let attempt = 1; attempt <= MAX_ETAG_RACES; attempt++) {
    const google = await readProfile(api, { workspaceId: account.workspaceId, email: account.email });
    if (!google) return settle("skipped", "The user no longer exists in Google Workspace");
    const merge = mergeProfile(google, desired, record.agreed);
    const conflicts = merge.conflicts;
    if (conflicts.length > 0) await reportConflicts(deps, orgId, record, google, conflicts);
    const status: WriteBackStatus = conflicts.length > 0 ? "conflict" : "in_sync";
    const reason = conflicts.length > 0 ? "Changed in Google Workspace too; Google's value was kept" : null;
    if (!hasWrites(merge.update)) {
      return settle(status, reason, {
        agreed: merge.agreed,
        etag: google.etag,
        conflicts,
        doneVersion: record.version,
      });
    }
    // Verify before writing: users.update replaces `phones` whole, so an admin's edit since our read
    // would be lost. The window left is this read to the write.
    const check = await readProfile(api, { workspaceId: account.workspaceId, email: account.email });
    if (!check) return settle("skipped", "The user no longer exists in Google Workspace");
    if (check.etag !== google.etag) continue;
    try {
      const written = await api.updateProfile(account.workspaceId, merge.update, google.etag);
      deps.log.info("directory.writeback_written", { orgId, userId, fields: Object.keys(merge.update) });
      return settle(status, reason, {
        agreed: merge.agreed,
        etag: written.etag,
        conflicts,
        wrote: true,
        doneVersion: record.version,
      });
    } catch (error) {
      // Someone changed the profile between our read and our write: read and merge again.
      if (error instanceof AppError && error.code === "precondition_failed" && attempt < MAX_ETAG_RACES)
        continue;
      throw error;
    }
  }
  throw new AppError("upstream_unavailable", "The Workspace profile kept changing; retrying later", {
    retryable: true,
  });
}

/**
 * The user's profile; a user still being created answers 404 by id for a while (docs/google-behaviour.md,
 * Directory), so a 404 is retried by the account's email (accepted only with the same Workspace id).
 */
async function readProfile(
  api: DirectoryProfileApi,
  account: { workspaceId: string; email: string },
): Promise<WorkspaceProfile | undefined> {
  const byId = await api.getProfile(account.workspaceId);
  if (byId || !account.email) return byId;
  const byEmail = await api.getProfile(account.email);
  return byEmail?.id === account.workspaceId ? byEmail : undefined;
}

async function reportConflicts(
  deps: WriteBackDeps,
  orgId: string,
  record: WriteBackRecord,
  google: WorkspaceProfile,
  conflicts: ReturnType<typeof mergeProfile>["conflicts"],
): Promise<void> {
  const { userId } = record;
  const fields = conflicts.map((c) => c.field).join(",");
  deps.log.warn("directory.writeback_conflict", { orgId, userId, fields });
  await publishAuditEvent(deps.publisher, {
    // One report per change, however often the message is redelivered.
    id: `writeback-conflict:${userId}:${record.version}:${fields}`,
    orgId,
    action: "directory.writeback_conflict",
    outcome: "failure",
    actor: { type: "system", id: "directory-writeback" },
    target: { type: "user", id: userId },
    reason: "changed_in_google",
    details: { fields, workspaceId: google.id },
  });
}
