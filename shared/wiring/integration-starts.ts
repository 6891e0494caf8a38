// What connecting an integration starts at once (the OAuth callback calls it through identity's
// onIntegrationConnected), the mirror of integration-teardowns.ts: Contacts is put on the sync schedule and
// gets the contact-sync request the fan-out would publish; Calendar gets the connect request (full sync and
// watch channels) the presence sweep would publish. Without this a new connection waits for those
// schedules (up to an hour for an idle user's contacts).
import type { Firestore } from "@google-cloud/firestore";
import { requestContactSync } from "../contacts/contact-sync-messages";
import { scheduleConnectedUser } from "../contacts/contact-sync-schedule";
import type { IntegrationName } from "../identity";
import type { EventPublisher } from "../platform/pubsub";
import type { PresenceServices } from "../presence/presence-services";

export interface StartSources {
  ports: { firestore: () => Firestore; publisher: () => EventPublisher; clock: () => Date };
  presence(): PresenceServices;
}

export async function startIntegration(
  graph: StartSources,
  event: { orgId: string; userId: string; integration: IntegrationName },
): Promise<void> {
  const user = { orgId: event.orgId, userId: event.userId };
  if (event.integration === "contacts") {
    await scheduleConnectedUser(graph.ports.firestore(), user, graph.ports.clock());
    await requestContactSync(graph.ports.publisher(), user, "connect");
  } else if (event.integration === "calendar") {
    await graph.presence().sync().requestSync(user, "connect", "connect");
  }
}
