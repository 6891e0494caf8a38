// What the setup checklist (shared/orgs/setup-checklist.ts) asks of other capabilities' settings, read
// through their own repositories: SAML, the directory connection, provisioning rules, dial-in numbers.
import { firestoreProvisioningSettings } from "../directory/provisioning-settings";
import { firestoreSsoConfigRepository } from "../identity/sso-config";
import type { SetupProbes } from "../orgs/setup-checklist";
import { firestoreDialInRepository } from "../sidebar/dial-in-settings";
import type { ProcessGraph } from "./process-graph";

export function setupProbes(graph: ProcessGraph): SetupProbes {
  const db = graph.ports.firestore;
  return {
    ssoConfigured: async (orgId) => (await firestoreSsoConfigRepository(db()).get(orgId)) !== undefined,
    directoryConnected: async (orgId) =>
      (await firestoreProvisioningSettings(db()).connection(orgId)) !== undefined,
    provisioningConfigured: async (orgId) =>
      (await firestoreProvisioningSettings(db()).get(orgId)) !== undefined,
    dialInNumbers: async (orgId) => (await firestoreDialInRepository(db).get(orgId)).numbers.length,
  };
}
