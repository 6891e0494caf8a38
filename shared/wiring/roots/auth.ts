// The auth function's composition root: SAML sign-in and the Google OAuth consent callback over the
// process graph.
import { requestContactSync } from "../../contacts/contact-sync-messages";
import { workspaceAdminApi } from "../../google/workspace-admin-api";
import { authRoutes } from "../../identity/auth-app";
import { missingProductionConfig } from "../../platform/config-requirements";
import { healthRoutes } from "../../platform/health-routes";
import { createHttpHandler, type Route } from "../../platform/http";
import { lazyPort } from "../../platform/lazy-port";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";
import { signInOrgs } from "../sign-in-orgs";

export function authRouteTable(graph: ProcessGraph): Route[] {
  const { ports } = graph;
  const publisher = lazyPort(() => ports.publisher());
  return authRoutes({
    db: ports.firestore,
    config: ports.config,
    publisher,
    users: lazyPort(() => graph.users()),
    identity: lazyPort(() => graph.identity()),
    orgs: signInOrgs(graph),
    workspaceAdmin: (accessToken) =>
      workspaceAdminApi({ rootUrl: ports.config().GOOGLE_API_ROOT_URL }, accessToken),
    contactsConnected: async (user) => void (await requestContactSync(publisher, user, "api")),
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
