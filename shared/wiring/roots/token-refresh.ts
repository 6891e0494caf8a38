// The token-refresh function's composition root: keeps alive the grants background work needs.
import { createTokenRefreshHandler } from "../../identity/token-refresh-worker";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createTokenRefreshRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createTokenRefreshHandler(() => graph.identity());
