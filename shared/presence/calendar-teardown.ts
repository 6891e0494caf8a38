// What disconnecting Calendar (or offboarding its user) stops: registered by the composition root
// (shared/wiring/integration-teardowns.ts), run by identity.
import type { IntegrationTeardown } from "../identity";
import type { PresenceServices } from "./presence-services";

/**
 * Disconnecting Calendar stops the user's channels at Google while the token works, then, once the grant
 * no longer serves Calendar, deletes the stored events (identity runs both).
 */
export function calendarTeardowns(services: () => PresenceServices): IntegrationTeardown[] {
  return [
    {
      name: "calendar watch channels",
      integrations: ["calendar"],
      stage: "stop",
      run: ({ orgId, userId }) => services().sync().stopAllChannels({ orgId, userId }),
    },
    {
      name: "calendar events",
      integrations: ["calendar"],
      stage: "forget",
      run: ({ orgId, userId }) => services().sync().forgetEvents({ orgId, userId }),
    },
  ];
}
