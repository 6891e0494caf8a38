// What disconnecting the contacts integration (or offboarding its user) stops: registered by the
// composition root (shared/wiring/integration-teardowns.ts), run by identity.
import type { Firestore } from "@google-cloud/firestore";
import type { IntegrationTeardown } from "../identity";
import { firestoreContactRepository } from "./contact-repository";

/** On disconnect: drop the cursors and the company-contact cache; personal contacts stay (with links). */
export function contactSyncTeardown(db: () => Firestore): IntegrationTeardown {
  return {
    name: "contact sync cursors and company contacts",
    integrations: ["contacts"],
    stage: "forget",
    run: ({ orgId, userId }) => firestoreContactRepository(db(), { orgId, userId }).forgetGoogle(),
  };
}
