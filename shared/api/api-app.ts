// The api function's composition root: every capability's routes in one table, plus the description.
import { firestoreAuditRepository } from "../audit/audit-repository";
import { auditRoutes } from "../audit/audit-routes";
import { firestoreContactRepository } from "../contacts/contact-repository";
import { contactRoutes } from "../contacts/contact-routes";
import { contactSyncStatus } from "../contacts/contact-sync-status";
import { orgDefaultRegion } from "../contacts/org-region";
import { directoryAdminRoutes } from "../directory/directory-routes";
import { directoryEnvironment, directoryServices } from "../directory/directory-services";
import { firestoreUserRepository } from "../directory/user-repository";
import { writeBackRoutes } from "../directory/writeback/writeback-routes";
import { authRoutes } from "../identity/auth-app";
import { consentRoutes } from "../identity/consent-routes";
import { identityDepsFromEnvironment } from "../identity/identity-services";
import { firestoreRefreshSessions } from "../identity/refresh-sessions";
import { type SessionGate, sessionAuthenticator } from "../identity/session-authenticator";
import { sessionRoutes } from "../identity/session-routes";
import { sessionTokenService } from "../identity/session-tokens";
import { LOGIN_CODE_TTL_MS, type LoginCode } from "../identity/sign-in";
import { ssoAdminRoutes } from "../identity/sso-admin-routes";
import { firestoreSsoConfigRepository } from "../identity/sso-config";
import { config } from "../platform/config";
import { createHttpHandler, type Route } from "../platform/http";
import { oneTimeRecords } from "../platform/one-time-records";
import { lazyPort, runtime } from "../platform/runtime";
import { presenceApiRoutes } from "../presence/presence-routes";
import { calendarSyncStatus } from "../presence/presence-services";
import { apiSidebarRoutes } from "../sidebar/sidebar-services";
import { healthRoutes, openApiRoute } from "./health-routes";
import { integrationTeardowns } from "./integration-teardowns";
import { buildOpenApi } from "./openapi";

export const API_INFO = { title: "Switchboard API", version: "1.0.0" };

/** Builds the route table. Adapters are resolved lazily inside, so this runs without configuration. */
export function apiRoutes(gate?: SessionGate): Route[] {
  const db = runtime.db;
  const lazy = lazyPort;
  const sessions = lazy(() => firestoreRefreshSessions(db()));
  const tokens = lazy(() => sessionTokenService(runtime.secrets()));
  const users = lazy(() => firestoreUserRepository(db()));
  const publisher = lazy(() => runtime.publisher());
  let directoryBuilt: ReturnType<typeof directoryServices> | undefined;
  // One directory composition for both route tables, built on the first request that needs it.
  const directory = () => {
    directoryBuilt ??= directoryServices(directoryEnvironment());
    return directoryBuilt;
  };
  const routes: Route[] = [
    ...healthRoutes({ checkConfig: () => void config(), firestore: db }),
    ...sessionRoutes({
      users,
      sessions,
      tokens,
      publisher,
      loginCodes: lazy(() => oneTimeRecords<LoginCode>(db(), "loginCodes", LOGIN_CODE_TTL_MS)),
      ...(gate ? { onLoggedOut: gate.forget } : {}),
    }),
    ...ssoAdminRoutes({ sso: lazy(() => firestoreSsoConfigRepository(db())), publisher }),
    ...auditRoutes({ audit: lazy(() => firestoreAuditRepository(db())) }),
    ...consentRoutes(
      lazy(() => identityDepsFromEnvironment()),
      {
        syncStatus: { contacts: contactSyncStatus(db), calendar: calendarSyncStatus() },
        teardowns: integrationTeardowns(db, directory),
      },
    ),
    ...contactRoutes({
      contacts: (u) => firestoreContactRepository(db(), u),
      region: (org) => orgDefaultRegion(db(), org),
      publisher,
    }),
    ...directoryAdminRoutes(directory),
    ...writeBackRoutes(directory),
    ...presenceApiRoutes(),
    ...apiSidebarRoutes(),
  ];
  let description: unknown;
  // The description also covers the auth function's sign-in and consent routes: one contract for clients.
  routes.push(openApiRoute(() => (description ??= buildOpenApi([...routes, ...authRoutes()], API_INFO))));
  return routes;
}

export function createApiHandler() {
  const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? 1024 * 1024);
  const sessions = () => firestoreRefreshSessions(runtime.db());
  let tokens: ReturnType<typeof sessionTokenService> | undefined;
  const gate = sessionAuthenticator(() => (tokens ??= sessionTokenService(runtime.secrets())), sessions);
  return createHttpHandler(apiRoutes(gate), { maxBodyBytes, authenticate: gate.authenticate });
}
