// Re-merge on the next push. Google takes users.update without a precondition (If-Match is not
// documented and may be ignored: the last write wins), so a profile that moved after our last write
// is merged again when its users.watch push arrives: the write-back reads Google's new state and
// merges three ways (an admin's edit stays, a change to Switchboard's own entries is reported as a
// conflict). The push carries the user's new etag; the echo of our own write carries the etag our
// write returned, so it queues nothing.
import type { EventPublisher } from "../../platform/pubsub";
import { accountIdFor } from "../provisioning-diff";
import { requestWriteBack } from "./writeback-messages";
import type { WriteBackRecords } from "./writeback-records";
import type { WriteBackSettingsRepository } from "./writeback-settings";

export interface WriteBackAfterPushDeps {
  records: WriteBackRecords;
  settings: WriteBackSettingsRepository;
  publisher: EventPublisher;
}

/** Queues the pushed user's write-back when it is on and Google's etag is not the one we wrote. */
export async function requeueWriteBackAfterPush(
  deps: WriteBackAfterPushDeps,
  orgId: string,
  workspaceId: string,
  pushedEtag: string,
): Promise<boolean> {
  if (!(await deps.settings.get(orgId)).enabled) return false;
  const userId = accountIdFor(workspaceId);
  const record = await deps.records.get(orgId, userId);
  if (!record || record.etag === pushedEtag) return false;
  await requestWriteBack(deps.publisher, orgId, userId);
  return true;
}
