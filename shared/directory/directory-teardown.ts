// Disconnecting the `directory` integration (or offboarding the admin whose grant the directory uses)
// stops the org's users.watch channels while the grant can still call Google: a channel left open
// would keep pushing to a webhook whose syncs can no longer authenticate.
import type { IntegrationTeardown } from "../identity";
import type { DirectoryServices } from "./directory-services";
import { stopUserWatches } from "./watch-channels";

export function directoryWatchTeardown(services: () => DirectoryServices): IntegrationTeardown {
  return {
    name: "directory watch channels",
    integrations: ["directory"],
    stage: "stop",
    async run({ orgId, userId }) {
      const s = services();
      const connection = await s.settings.connection(orgId);
      // Only the grant the directory runs on matters; delegation does not depend on any person's grant.
      if (connection?.mode !== "admin_grant" || connection.adminUserId !== userId) return;
      await stopUserWatches(s.ledger, await s.directoryApi(orgId), orgId, s.clock());
    },
  };
}
