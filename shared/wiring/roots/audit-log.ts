// The audit-log function's composition root: stores each audit event once.
import { createAuditLogHandler } from "../../audit/audit-log-worker";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createAuditLogRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createAuditLogHandler(graph.ports.firestore);
