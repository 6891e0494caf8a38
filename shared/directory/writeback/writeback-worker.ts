// The directory-writeback function: one message per user whose Switchboard values changed (ordered per
// user), and one sweep per org that re-queues every record still pending (the scheduled reconcile and
// turning write-back on send it). A message is only a pointer to the record, so redeliveries converge.
import { type DecodedMessage, pubSubHandler } from "../../platform/cloudevent";
import { AppError } from "../../platform/errors";
import { type Logger, logger as rootLogger } from "../../platform/logger";
import {
  DirectoryWriteBackMessage,
  type DirectoryWriteBackPayload,
  requestWriteBack,
} from "./writeback-messages";
import {
  isNeedsPermission,
  type WriteBackDeps,
  type WriteBackOutcome,
  writeBackUser,
} from "./writeback-user";

export async function handleWriteBack(
  deps: WriteBackDeps,
  payload: DirectoryWriteBackPayload,
): Promise<WriteBackOutcome | { status: "swept"; queued: number }> {
  if (payload.kind === "sweep") {
    const { orgId } = payload;
    if (!(await deps.settings.get(orgId)).enabled) return { status: "swept", queued: 0 };
    // Finds out (and records, for the admin's status page) whether Google lets us write at all.
    const at = deps.clock().toISOString();
    try {
      await deps.profileApi(orgId);
      await deps.settings.saveAccess(orgId, { state: "ready", reason: null, at });
    } catch (error) {
      if (!isNeedsPermission(error)) throw error;
      await deps.settings.saveAccess(orgId, {
        state: "needs_permission",
        reason: (error as Error).message,
        at,
      });
      return { status: "swept", queued: 0 };
    }
    const ids = await deps.records.pendingUserIds(orgId);
    await Promise.all(ids.map((id) => requestWriteBack(deps.publisher, payload.orgId, id)));
    return { status: "swept", queued: ids.length };
  }
  try {
    return await writeBackUser(deps, payload.orgId, payload.userId);
  } catch (error) {
    if (error instanceof AppError && !error.retryable) {
      // Google refused for good (for example the admin lost the role): shown on the record, kept
      // pending so the next sweep tries again once an admin has fixed it.
      await deps.records.settle(
        payload.orgId,
        payload.userId,
        { status: "failed", reason: error.message },
        deps.clock(),
      );
    }
    throw error;
  }
}

/** The function's handler over write-back's dependencies (built once by the composition root). */
export function createDirectoryWriteBackHandler(deps: () => WriteBackDeps, log: () => Logger = rootLogger) {
  return pubSubHandler(
    DirectoryWriteBackMessage,
    async (message: DecodedMessage<DirectoryWriteBackPayload>, eventLog) => {
      const outcome = await handleWriteBack(deps(), message.payload);
      eventLog.info("directory.writeback_handled", { ...message.payload, ...outcome });
    },
    log,
  );
}
