// Every capability's teardown in one list: what disconnecting an integration (the api's consent routes)
// and offboarding a deprovisioned person (directory-sync) must stop. One list, so the two never drift:
// a person who leaves loses their calendar channels, contact-sync state and sidebar cache exactly as
// if they had disconnected each integration themselves.
import type { Firestore } from "@google-cloud/firestore";
import { contactSyncTeardown } from "../contacts/contact-sync-status";
import {
  type DirectoryEnvironment,
  type DirectoryServices,
  directoryEnvironment,
  directoryServices,
} from "../directory/directory-services";
import { directoryWatchTeardown } from "../directory/directory-teardown";
import { defaultTeardowns, type IntegrationTeardown } from "../identity/integration-teardown";
import { calendarTeardowns } from "../presence/presence-services";
import { apiSidebarTeardown } from "../sidebar/sidebar-services";

export function integrationTeardowns(
  db: () => Firestore,
  directory: () => DirectoryServices,
): IntegrationTeardown[] {
  return [
    contactSyncTeardown(db),
    ...calendarTeardowns(),
    apiSidebarTeardown(),
    directoryWatchTeardown(directory),
  ];
}

/** The directory-sync function's environment: its offboarding runs every capability's teardown. */
export function directoryEnvironmentWithTeardowns(): DirectoryEnvironment {
  const env = directoryEnvironment();
  const registry = defaultTeardowns(env.identity.firestore);
  let services: DirectoryServices | undefined;
  const self = () => {
    services ??= directoryServices(withTeardowns);
    return services;
  };
  for (const t of integrationTeardowns(env.identity.firestore, self)) registry.register(t);
  const withTeardowns: DirectoryEnvironment = { ...env, identity: { ...env.identity, teardowns: registry } };
  return withTeardowns;
}
