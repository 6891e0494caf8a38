// What disconnecting the contacts integration (or offboarding its user) stops: registered by the
// composition root (shared/wiring/integration-teardowns.ts), run by identity.
import type { Firestore } from "@google-cloud/firestore";
import type { IntegrationTeardown } from "../identity";
import { firestoreContactRepository } from "./contact-repository";
import { scheduleRef } from "./contact-sync-schedule";

/**
 * On disconnect: drop the cursors, the company-contact cache and the sync schedule (so the fan-out stops
 * asking for this person's syncs); personal contacts stay (with links).
 */
export function contactSyncTeardown(db: () => Firestore): IntegrationTeardown {
  return {
    name: "contact sync cursors, company contacts and schedule",
    integrations: ["contacts"],
    stage: "forget",
    run: async ({ orgId, userId }) => {
      await firestoreContactRepository(db(), { orgId, userId }).forgetGoogle();
      await scheduleRef(db(), { orgId, userId }).delete();
    },
  };
}
