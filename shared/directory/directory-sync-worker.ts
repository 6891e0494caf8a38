// The directory-sync function: one message kind per job, per org. A full-sync message runs one step of
// the org's full sync and, when the step runs out of time, publishes its own continuation; a
// user-changed message (from a push) refreshes one user. Retryable failures redeliver and resume from
// the stored page token; a finished full sync also keeps the org's watch channel alive.
import { z } from "zod";
import { type DecodedMessage, pubSubHandler } from "../platform/cloudevent";
import { type Logger, logger as rootLogger } from "../platform/logger";
import { defineMessage } from "../platform/messages";
import type { DirectoryServices } from "./directory-services";
import { type FullSyncOutcome, fullSyncStep, syncChangedUser } from "./directory-sync";
import { ensureUserWatch } from "./watch-channels";
import { requeueWriteBackAfterPush } from "./writeback/writeback-after-push";
import { firestoreWriteBackRecords } from "./writeback/writeback-records";
import { firestoreWriteBackSettings } from "./writeback/writeback-settings";

export const DIRECTORY_SYNC_TOPIC = "directory-sync";

const OrgId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

export const DirectorySyncMessage = defineMessage(
  DIRECTORY_SYNC_TOPIC,
  z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("full-sync"),
      orgId: OrgId,
      reason: z.enum(["connect", "reconcile", "continue", "admin"]),
    }),
    z.object({
      kind: z.literal("user-changed"),
      orgId: OrgId,
      workspaceId: z.string().min(1).max(100),
      /** From the push body: a user still being created is found by email before it is by id. */
      primaryEmail: z.string().email().max(320).optional(),
      /** The user's etag after the change (push body): tells our own write's echo from a newer edit. */
      etag: z.string().min(1).max(200).optional(),
      /** The push's X-Goog-Resource-State: only `delete` lets a 404 mean the user is gone. */
      event: z.enum(["add", "update", "delete", "undelete", "makeAdmin"]).optional(),
    }),
  ]),
);
export type DirectorySyncPayload = z.infer<typeof DirectorySyncMessage.schema>;

export async function handleDirectorySync(
  services: DirectoryServices,
  payload: DirectorySyncPayload,
  log: Logger,
): Promise<FullSyncOutcome | { status: "user"; changed: boolean }> {
  if (payload.kind === "user-changed") {
    const result = await syncChangedUser(services, payload.orgId, payload.workspaceId, {
      ...(payload.primaryEmail ? { primaryEmail: payload.primaryEmail } : {}),
      ...(payload.event ? { event: payload.event } : {}),
    });
    if (payload.etag && payload.event !== "delete") {
      await requeueWriteBackAfterPush(
        {
          records: firestoreWriteBackRecords(services.db, services.ops),
          settings: firestoreWriteBackSettings(services.db),
          publisher: services.env.identity.deps.publisher,
        },
        payload.orgId,
        payload.workspaceId,
        payload.etag,
      );
    }
    return { status: "user", changed: result.changed };
  }
  const outcome = await fullSyncStep(
    services,
    payload.orgId,
    payload.reason === "reconcile" ? "reconcile" : "full",
  );
  if (outcome.status === "continue") {
    await services.env.identity.deps.publisher.publish(
      DirectorySyncMessage,
      { kind: "full-sync", orgId: payload.orgId, reason: "continue" },
      { orderingKey: payload.orgId },
    );
  }
  if (outcome.status === "done" && services.webhookAddress) {
    try {
      const api = await services.directoryApi(payload.orgId);
      await ensureUserWatch(services.ledger, api, payload.orgId, services.webhookAddress, services.clock());
    } catch (error) {
      // Without a channel the scheduled reconcile still catches every change, only later.
      log.warn("directory.watch_failed", { orgId: payload.orgId, error });
    }
  }
  return outcome;
}

/** The function's handler over the process's directory services (built once by the composition root). */
export function createDirectorySyncHandler(
  services: () => DirectoryServices,
  log: () => Logger = rootLogger,
) {
  return pubSubHandler(
    DirectorySyncMessage,
    async (message: DecodedMessage<DirectorySyncPayload>, eventLog) => {
      await handleDirectorySync(services(), message.payload, eventLog);
    },
    log,
  );
}
