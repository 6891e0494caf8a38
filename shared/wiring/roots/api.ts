// The api function's composition root: every capability's routes in one table over the process graph
// (one identity, one teardown registry, one directory composition), plus the API description.
import { firestoreAuditRepository } from "../../audit/audit-repository";
import { auditRoutes } from "../../audit/audit-routes";
import { firestoreContactRepository } from "../../contacts/contact-repository";
import { contactRoutes } from "../../contacts/contact-routes";
import { requestOrgRenormalise } from "../../contacts/contact-sync-messages";
import { recordActivity, refreshIfStale, requestUserSync } from "../../contacts/contact-sync-schedule";
import { contactSyncStatus } from "../../contacts/contact-sync-status";
import { orgDefaultRegion } from "../../contacts/org-region";
import { directoryAdminRoutes } from "../../directory/directory-routes";
import { writeBackRoutes } from "../../directory/writeback/writeback-routes";
import { consentRoutes } from "../../identity/consent-routes";
import { firestoreRefreshSessions } from "../../identity/refresh-sessions";
import { type SessionGate, sessionAuthenticator } from "../../identity/session-authenticator";
import { sessionRoutes } from "../../identity/session-routes";
import { sessionTokenService } from "../../identity/session-tokens";
import { LOGIN_CODE_TTL_MS, LoginCode } from "../../identity/sign-in";
import { ssoAdminRoutes } from "../../identity/sso-admin-routes";
import { firestoreSsoConfigRepository } from "../../identity/sso-config";
import { integrationHealthRoutes } from "../../integration-health/integration-health-routes";
import { orgRoutes } from "../../orgs/org-routes";
import { setupRoutes } from "../../orgs/setup-checklist";
import type { Config } from "../../platform/config";
import { missingProductionConfig } from "../../platform/config-requirements";
import { healthRoutes, openApiRoute } from "../../platform/health-routes";
import { createHttpHandler, type Route } from "../../platform/http";
import { lazyPort } from "../../platform/lazy-port";
import { oneTimeRecords } from "../../platform/one-time-records";
import { buildOpenApi } from "../../platform/openapi";
import { telephonyServiceAuthenticator } from "../../platform/service-token";
import { presenceRoutes } from "../../presence/presence-routes";
import { calendarSyncStatus } from "../../presence/presence-services";
import { apiSidebarRoutes } from "../../sidebar/sidebar-services";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";
import { setupProbes } from "../setup-probes";
import { authRouteTable } from "./auth";

export const API_INFO = { title: "Switchboard API", version: "1.0.0" };

/** The origins browser clients run on: the web client and every allowed sign-in return origin. */
export const clientOrigins = (config: Pick<Config, "WEB_CLIENT_ORIGIN" | "ALLOWED_RETURN_ORIGINS">) => [
  ...new Set([
    ...(config.WEB_CLIENT_ORIGIN ? [new URL(config.WEB_CLIENT_ORIGIN).origin] : []),
    ...config.ALLOWED_RETURN_ORIGINS.map((o) => new URL(o).origin),
  ]),
];

/** Builds the route table. Adapters are resolved lazily inside, so this runs without configuration. */
export function apiRoutes(graph: ProcessGraph, gate?: SessionGate): Route[] {
  const { ports } = graph;
  const db = ports.firestore;
  const lazy = lazyPort;
  const publisher = lazy(() => ports.publisher());
  const identity = lazy(() => graph.identity());
  const routes: Route[] = [
    ...healthRoutes({
      checkConfig: () => void ports.config(),
      firestore: db,
      missingProductionConfig: () => missingProductionConfig(ports.config(), "api"),
    }),
    ...sessionRoutes({
      users: lazy(() => graph.users()),
      sessions: lazy(() => firestoreRefreshSessions(db())),
      tokens: lazy(() => sessionTokenService(ports.secrets())),
      publisher,
      loginCodes: lazy(() => oneTimeRecords(db(), "loginCodes", LoginCode, LOGIN_CODE_TTL_MS)),
      ...(gate ? { onLoggedOut: gate.forget } : {}),
      onActive: (user, how) => contactsOnActivity(graph, user, how),
    }),
    ...ssoAdminRoutes({ sso: lazy(() => firestoreSsoConfigRepository(db())), publisher }),
    ...auditRoutes({ audit: lazy(() => firestoreAuditRepository(db())) }),
    ...consentRoutes(identity, {
      syncStatus: {
        contacts: contactSyncStatus(db),
        calendar: calendarSyncStatus(() => graph.presence()),
      },
    }),
    ...contactRoutes({
      contacts: (u) => firestoreContactRepository(db(), u),
      region: (org) => orgDefaultRegion(db(), org),
      publisher,
      syncNow: {
        request: (user, now) => requestUserSync(db(), publisher, user, now, syncDebounceMs(graph)),
        status: contactSyncStatus(db),
        connected: async (user) =>
          (await graph.identity().grants().findForIntegration(user.orgId, user.userId, "contacts"))
            ?.status === "connected",
        refreshIfStale: (user, now) =>
          refreshIfStale(
            db(),
            publisher,
            user,
            now,
            async (u) => {
              const last = (await contactSyncStatus(db)(u)).lastSyncAt;
              return last ? new Date(last) : null;
            },
            syncDebounceMs(graph),
          ),
      },
    }),
    ...directoryAdminRoutes(() => graph.directory()),
    ...writeBackRoutes(() => graph.directory()),
    ...presenceRoutes({
      presence: lazy(() => graph.presence().presence()),
      accountExists: async (orgId, userId) => (await graph.users().get(orgId, userId)) !== undefined,
    }),
    ...apiSidebarRoutes(() => graph.sidebar()),
    ...orgRoutes({
      orgs: lazy(() => graph.orgs()),
      publisher,
      clock: () => ports.clock(),
      regionChanged: (orgId) => requestOrgRenormalise(publisher, graph.users(), orgId),
    }),
    ...setupRoutes({ orgs: lazy(() => graph.orgs()), probes: setupProbes(graph) }),
    ...integrationHealthRoutes({ db, clock: () => ports.clock() }),
  ];
  let description: unknown;
  // The description also covers the auth function's sign-in and consent routes: one contract for clients.
  routes.push(
    openApiRoute(() => (description ??= buildOpenApi([...routes, ...authRouteTable(graph)], API_INFO))),
  );
  return routes;
}

/**
 * A person using the app: recorded for the contact fan-out's frequent schedule; a sign-in also asks for a
 * contact sync now (debounced like POST /v1/contacts/sync) when Contacts is connected.
 */
async function contactsOnActivity(
  graph: ProcessGraph,
  user: { orgId: string; userId: string },
  how: "sign_in" | "refresh",
): Promise<void> {
  const { ports } = graph;
  const now = ports.clock();
  await recordActivity(ports.firestore(), user, now);
  if (how !== "sign_in") return;
  const grant = await graph.identity().grants().findForIntegration(user.orgId, user.userId, "contacts");
  if (grant?.status !== "connected") return;
  await requestUserSync(ports.firestore(), ports.publisher(), user, now, syncDebounceMs(graph));
}

/** One debounce for every way a person asks for a contact sync (request, sign-in, opening a contact). */
const syncDebounceMs = (graph: ProcessGraph) => graph.ports.config().CONTACT_SYNC_DEBOUNCE_SECONDS * 1000;

export function createApiHandler(graph: ProcessGraph = processGraphFromEnvironment()) {
  const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? 1024 * 1024);
  const sessions = () => firestoreRefreshSessions(graph.ports.firestore());
  let tokens: ReturnType<typeof sessionTokenService> | undefined;
  const gate = sessionAuthenticator(() => (tokens ??= sessionTokenService(graph.ports.secrets())), sessions);
  return createHttpHandler(apiRoutes(graph, gate), {
    maxBodyBytes,
    authenticate: gate.authenticate,
    authenticateService: telephonyServiceAuthenticator(graph.ports.secrets),
    corsOrigins: () => clientOrigins(graph.ports.config()),
    failedAuthPerMinute: () => graph.ports.config().AUTH_FAILURES_PER_MINUTE,
    rateLimits: { credentials: () => graph.ports.config().CREDENTIAL_REQUESTS_PER_MINUTE },
    checkResponses: () => checksResponses(graph),
  });
}

/** Answers are checked against their declared schemas in tests and on the local stack, not in the cloud. */
export function checksResponses(graph: ProcessGraph): boolean {
  try {
    const env = graph.ports.config().SWITCHBOARD_ENV;
    return env === "test" || env === "local";
  } catch {
    return false;
  }
}
