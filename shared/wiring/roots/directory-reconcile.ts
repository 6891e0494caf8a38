// The directory-reconcile function's composition root: one full directory sync per connected org.
import { createDirectoryReconcileHandler } from "../../directory/directory-reconcile";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createDirectoryReconcileRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createDirectoryReconcileHandler(() => ({
    db: graph.ports.firestore(),
    publisher: graph.ports.publisher(),
    tickLeaseMs: graph.ports.config().TICK_LEASE_MS,
  }));
