// The token-refresh function's composition root: keeps alive the grants background work needs.
import { createTokenRefreshHandler, KEEP_ALIVE_DEFAULTS } from "../../identity/token-refresh-worker";
import { logger } from "../../platform/logger";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createTokenRefreshRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createTokenRefreshHandler(
    () => graph.identity(),
    logger,
    () => ({ ...KEEP_ALIVE_DEFAULTS, tickLeaseMs: graph.ports.config().TICK_LEASE_MS }),
  );
