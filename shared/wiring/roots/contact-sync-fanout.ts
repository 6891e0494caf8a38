// The contact-sync-fanout function's composition root: one contact-sync request per connected user.
import { createContactSyncFanoutHandler } from "../../contacts/contact-sync-fanout";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createContactSyncFanoutRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createContactSyncFanoutHandler(() => {
    const config = graph.ports.config();
    return {
      db: graph.ports.firestore(),
      publisher: graph.ports.publisher(),
      options: {
        pageSize: config.CONTACT_SYNC_FANOUT_PAGE_SIZE,
        tickLeaseMs: config.TICK_LEASE_MS,
        activeIntervalMs: config.CONTACT_SYNC_ACTIVE_MINUTES * 60_000,
        idleIntervalMs: config.CONTACT_SYNC_IDLE_MINUTES * 60_000,
        activeWindowMs: config.CONTACT_SYNC_ACTIVE_WINDOW_HOURS * 3600_000,
      },
    };
  });
