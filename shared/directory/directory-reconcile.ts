// The scheduled reconcile: on each tick, one full-sync message per org with a connected directory. It
// never syncs inline (a tick must stay short and one org's trouble must not delay another's); the full
// sync then repairs whatever pushes missed and runs grace-period deadlines, and a write-back sweep
// re-queues the org's pending write-backs. A slot is done only after every org's messages are published:
// a tick that crashes half-way is redone by its redelivery (the messages are idempotent requests).
import { randomUUID } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { type DecodedMessage, pubSubHandler } from "../platform/cloudevent";
import { runSlotOnce } from "../platform/idempotency";
import { type Logger, logger as rootLogger } from "../platform/logger";
import { defineMessage } from "../platform/messages";
import type { EventPublisher } from "../platform/pubsub";
import { DirectorySyncMessage } from "./directory-sync-worker";
import { firestoreProvisioningSettings } from "./provisioning-settings";
import { requestWriteBackSweep } from "./writeback/writeback-messages";

export const DIRECTORY_RECONCILE_TICKS_TOPIC = "directory-reconcile-ticks";
const TICK_MS = 3 * 3600_000; // the schedule in functions/manifest.json

export const DirectoryReconcileTick = defineMessage(
  DIRECTORY_RECONCILE_TICKS_TOPIC,
  z.object({ function: z.string(), schedule: z.string(), timeZone: z.string() }),
);

export async function fanOutReconcile(
  db: Firestore,
  publisher: EventPublisher,
  publishTime: Date,
  log: Logger,
  tickLeaseMs = 60_000,
): Promise<{ orgs: number; duplicate: boolean }> {
  // One run per schedule slot: a double-published tick or a redelivery after success fans out once.
  const slot = new Date(Math.floor(publishTime.getTime() / TICK_MS) * TICK_MS).toISOString();
  const run = await runSlotOnce(
    db,
    `directory-reconcile:${slot}`,
    { leaseMs: tickLeaseMs, owner: randomUUID() },
    async () => {
      const orgs = await firestoreProvisioningSettings(db).connectedOrgs();
      await Promise.all(
        orgs.flatMap((orgId) => [
          publisher.publish(
            DirectorySyncMessage,
            { kind: "full-sync", orgId, reason: "reconcile" },
            { orderingKey: orgId },
          ),
          // Write-back that a lost message or a missing permission left pending is retried here.
          requestWriteBackSweep(publisher, orgId),
        ]),
      );
      return orgs.length;
    },
  );
  if (!run.done) return { orgs: 0, duplicate: true };
  log.info("directory.reconcile_fanned_out", { slot, orgs: run.result, attempt: run.attempt });
  return { orgs: run.result, duplicate: false };
}

export function createDirectoryReconcileHandler(
  ports: () => { db: Firestore; publisher: EventPublisher; tickLeaseMs?: number },
  log: () => Logger = rootLogger,
) {
  return pubSubHandler(
    DirectoryReconcileTick,
    async (message: DecodedMessage<unknown>, eventLog) => {
      const publishTime = message.publishTime ? new Date(message.publishTime) : new Date();
      const { db, publisher, tickLeaseMs } = ports();
      await fanOutReconcile(db, publisher, publishTime, eventLog, tickLeaseMs);
    },
    log,
  );
}
