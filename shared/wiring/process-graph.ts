// The process's object graph: every port and capability service, each built once on first use and
// shared by everything the process runs. Identity is built once, so the process has one token vault
// and one teardown registry, and that registry holds every capability's teardowns (integration-
// teardowns.ts): disconnect and offboarding stop the same things whichever route or worker runs them.
// Functions reach this only through their root (roots/<function>.ts); tests build capabilities directly.
import type { Firestore } from "@google-cloud/firestore";
import { firestoreUserRepository, type ProvisioningUserRepository } from "../accounts";
import { contactEmailsQuery, orgDefaultRegion } from "../contacts";
import type { ContactSyncWorkerDeps } from "../contacts/contact-sync-worker";
import { type DirectoryServices, directoryServices } from "../directory/directory-services";
import { writeBackDeps } from "../directory/writeback/writeback-services";
import type { WriteBackDeps } from "../directory/writeback/writeback-user";
import { type IdentityServices, identityServices } from "../identity/identity-services";
import { teardownRegistry } from "../identity/integration-teardown";
import { userOffboarding } from "../identity/user-offboarding";
import { firestoreOrgRepository, type OrgRepository } from "../orgs";
import type { Config } from "../platform/config";
import type { EventPublisher } from "../platform/pubsub";
import type { SecretStore } from "../platform/secrets";
import { currentMeetingQuery } from "../presence";
import { type PresenceServices, presenceServices } from "../presence/presence-services";
import { type SidebarServices, sidebarServices } from "../sidebar/sidebar-services";
import { startIntegration } from "./integration-starts";
import { integrationTeardowns } from "./integration-teardowns";

/** The process's infrastructure: what every capability is built on. */
export interface ProcessPorts {
  firestore: () => Firestore;
  secrets: () => SecretStore;
  publisher: () => EventPublisher;
  config: () => Config;
  clock: () => Date;
}

export interface ProcessGraph {
  ports: ProcessPorts;
  users(): ProvisioningUserRepository;
  orgs(): OrgRepository;
  identity(): IdentityServices;
  presence(): PresenceServices;
  directory(): DirectoryServices;
  writeBack(): WriteBackDeps;
  sidebar(): SidebarServices;
  contactSync(): ContactSyncWorkerDeps;
}

const once = <T>(make: () => T): (() => T) => {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
};

export function processGraph(ports: ProcessPorts): ProcessGraph {
  const graph: ProcessGraph = {
    ports,
    users: once(() => firestoreUserRepository(ports.firestore())),
    orgs: once(() => firestoreOrgRepository(ports.firestore())),
    identity: once(() =>
      identityServices({
        firestore: ports.firestore,
        secrets: ports.secrets(),
        publisher: ports.publisher(),
        clock: ports.clock,
        config: ports.config(),
        // The one registry: identity's own cursor teardown plus every capability's.
        teardowns: teardownRegistry(integrationTeardowns(graph)),
        onIntegrationConnected: (event) => startIntegration(graph, event),
      }),
    ),
    presence: once(() =>
      presenceServices({
        firestore: ports.firestore,
        publisher: ports.publisher(),
        secrets: ports.secrets(),
        tokens: () => graph.identity().tokens(),
        clock: ports.clock,
        apiRootUrl: ports.config().GOOGLE_API_ROOT_URL,
        webhooksBaseUrl: ports.config().PUBLIC_WEBHOOKS_URL,
        tickLeaseMs: ports.config().TICK_LEASE_MS,
        reconcileAfterMs: ports.config().CALENDAR_RECONCILE_MINUTES * 60_000,
      }),
    ),
    directory: once(() =>
      directoryServices({
        identity: graph.identity(),
        offboarding: userOffboarding(graph.identity()),
        apiRootUrl: ports.config().GOOGLE_API_ROOT_URL,
        oauthBaseUrl: ports.config().GOOGLE_OAUTH_BASE_URL,
        webhooksUrl: ports.config().PUBLIC_WEBHOOKS_URL,
      }),
    ),
    writeBack: once(() => writeBackDeps(graph.directory())),
    sidebar: once(() =>
      sidebarServices({
        firestore: ports.firestore,
        tokens: () => graph.identity().tokens(),
        apiRootUrl: ports.config().GOOGLE_API_ROOT_URL,
        webOrigin: ports.config().WEB_CLIENT_ORIGIN,
        contactEmails: contactEmailsQuery(ports.firestore),
        countryOf: (orgId) => orgDefaultRegion(ports.firestore(), orgId),
        currentMeeting: currentMeetingQuery(graph.users, () => graph.presence().presence()),
      }),
    ),
    contactSync: once(() => ({
      db: ports.firestore,
      tokens: () => graph.identity().tokens(),
      grants: () => graph.identity().grants(),
      apiRootUrl: () => ports.config().GOOGLE_API_ROOT_URL,
      clock: ports.clock,
    })),
  };
  return graph;
}
