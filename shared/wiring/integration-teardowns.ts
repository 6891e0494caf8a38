// Every capability's teardown in one list, registered in one place (process-graph.ts) into the process's
// one registry: what disconnecting an integration (the api's consent routes) and offboarding a
// deprovisioned person (the api's provisioning apply, the directory-sync worker) must stop. One list, so
// no path drifts: a person who leaves loses their calendar channels, contact-sync state and sidebar
// cache exactly as if they had disconnected each integration themselves.

import type { Firestore } from "@google-cloud/firestore";
import { contactSyncTeardown } from "../contacts/contact-sync-teardown";
import type { DirectoryServices } from "../directory/directory-services";
import { directoryWatchTeardown } from "../directory/directory-teardown";
import { cursorTeardown, type IntegrationTeardown } from "../identity/integration-teardown";
import { calendarTeardowns } from "../presence/calendar-teardown";
import type { PresenceServices } from "../presence/presence-services";
import type { SidebarServices } from "../sidebar/sidebar-services";
import { sidebarCacheTeardown } from "../sidebar/sidebar-teardown";

/** The part of the process graph the teardowns run on (each capability built on first use). */
export interface TeardownSources {
  ports: { firestore: () => Firestore };
  presence(): PresenceServices;
  sidebar(): SidebarServices;
  directory(): DirectoryServices;
}

export function integrationTeardowns(graph: TeardownSources): IntegrationTeardown[] {
  return [
    cursorTeardown(graph.ports.firestore),
    contactSyncTeardown(graph.ports.firestore),
    ...calendarTeardowns(() => graph.presence()),
    sidebarCacheTeardown(() => graph.sidebar().cache()),
    directoryWatchTeardown(() => graph.directory()),
  ];
}
