// The auth function's composition root: SAML sign-in and the Google OAuth consent callback over the
// process graph.
import { authRoutes } from "../../identity/auth-app";
import { missingProductionConfig } from "../../platform/config-requirements";
import { healthRoutes } from "../../platform/health-routes";
import { createHttpHandler, type Route } from "../../platform/http";
import { lazyPort } from "../../platform/lazy-port";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export function authRouteTable(graph: ProcessGraph): Route[] {
  const { ports } = graph;
  return authRoutes({
    db: ports.firestore,
    config: ports.config,
    publisher: lazyPort(() => ports.publisher()),
    users: lazyPort(() => graph.users()),
    identity: lazyPort(() => graph.identity()),
  });
}

export function createAuthHandler(graph: ProcessGraph = processGraphFromEnvironment()) {
  let handler: ReturnType<typeof createHttpHandler> | undefined;
  // Routes are built on the first request: they need configuration, which is never read at import.
  return (
    req: Parameters<ReturnType<typeof createHttpHandler>>[0],
    res: Parameters<ReturnType<typeof createHttpHandler>>[1],
  ) => {
    // Liveness and readiness as on the api; not in authRouteTable(), which the api's description merges.
    const health = healthRoutes({
      checkConfig: () => void graph.ports.config(),
      firestore: graph.ports.firestore,
      missingProductionConfig: () => missingProductionConfig(graph.ports.config(), "auth"),
    });
    handler ??= createHttpHandler([...health, ...authRouteTable(graph)], {
      maxBodyBytes: 256 * 1024,
      rateLimits: { credentials: () => graph.ports.config().CREDENTIAL_REQUESTS_PER_MINUTE },
    });
    return handler(req, res);
  };
}
