// What connecting an integration starts at once (the OAuth callback calls it through identity's
// onIntegrationConnected), the mirror of integration-teardowns.ts: Contacts gets the contact-sync request
// the fan-out would publish; Calendar gets the connect request (full sync and
// watch channels) the presence sweep would publish. Without this a new connection waits for those
// schedules (up to 15 minutes for contacts).
import { requestContactSync } from "../contacts/contact-sync-messages";
import type { IntegrationName } from "../identity";
import type { EventPublisher } from "../platform/pubsub";
import type { PresenceServices } from "../presence/presence-services";

export interface StartSources {
  ports: { publisher: () => EventPublisher };
  presence(): PresenceServices;
}

export async function startIntegration(
  graph: StartSources,
  event: { orgId: string; userId: string; integration: IntegrationName },
): Promise<void> {
  const user = { orgId: event.orgId, userId: event.userId };
  if (event.integration === "contacts") {
    await requestContactSync(graph.ports.publisher(), user, "connect");
  } else if (event.integration === "calendar") {
    await graph.presence().sync().requestSync(user, "connect", "connect");
  }
}
