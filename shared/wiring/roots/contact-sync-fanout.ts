// The contact-sync-fanout function's composition root: one contact-sync request per connected user.
import { createContactSyncFanoutHandler } from "../../contacts/contact-sync-fanout";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createContactSyncFanoutRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createContactSyncFanoutHandler(() => ({
    db: graph.ports.firestore(),
    publisher: graph.ports.publisher(),
    options: {
      pageSize: graph.ports.config().CONTACT_SYNC_FANOUT_PAGE_SIZE,
      tickLeaseMs: graph.ports.config().TICK_LEASE_MS,
    },
  }));
