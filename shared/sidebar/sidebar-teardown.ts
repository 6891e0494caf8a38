// What disconnecting Gmail, Drive or Calendar (or offboarding the user) stops in the sidebar: registered
// by the composition root (shared/wiring/integration-teardowns.ts), run by identity.
import type { IntegrationTeardown } from "../identity";
import { SOURCES } from "./sections";
import type { SidebarCache } from "./sidebar-cache";

/** Disconnecting Gmail, Drive or Calendar deletes that source's cached sidebar data at once (identity runs it). */
export function sidebarCacheTeardown(cache: () => SidebarCache): IntegrationTeardown {
  return {
    name: "sidebar cache",
    integrations: [...SOURCES],
    stage: "forget",
    async run({ orgId, userId, integration }) {
      const source = SOURCES.find((s) => s === integration);
      if (source) await cache().forget({ orgId, userId }, source);
    },
  };
}
