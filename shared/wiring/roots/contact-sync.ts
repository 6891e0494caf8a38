// The contact-sync function's composition root: one user's two-way contact sync.
import { createContactSyncHandler } from "../../contacts/contact-sync-worker";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createContactSyncRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createContactSyncHandler(() => graph.contactSync());
