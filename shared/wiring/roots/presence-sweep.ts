// The presence-sweep function's composition root: presence transitions that are due.
import { createPresenceSweepHandler } from "../../presence/presence-workers";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createPresenceSweepRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createPresenceSweepHandler(() => graph.presence());
