// Disconnecting one integration from a grant that may serve several (incremental consent joins them).
import { AppError } from "../platform/errors";
import { type Grant, keyOf } from "./grant-repository";
import type { IdentityServices } from "./identity-services";
import type { IntegrationName } from "./integrations";

/** Revokes the grant's refresh token at Google (which ends every scope the client holds for that account). */
export async function revokeAtGoogle(services: IdentityServices, grant: Grant): Promise<void> {
  const refreshToken = await services
    .cipher()
    .open(grant.refreshToken, { ...keyOf(grant), field: "refresh_token" });
  await services.oauth().revoke(refreshToken);
}

/**
 * Drops an integration from a grant. The last integration out revokes the grant at Google (revocation
 * removes all of the client's scopes, so a grant other integrations still use is kept) and deletes it.
 */
export async function detachIntegration(
  services: IdentityServices,
  grant: Grant,
  integration: IntegrationName,
): Promise<boolean> {
  const remaining = grant.integrations.filter((n) => n !== integration);
  if (remaining.length === 0) {
    try {
      await revokeAtGoogle(services, grant);
    } catch (error) {
      // A token we cannot open cannot be revoked either; deleting it still leaves nothing usable here.
      if (!(error instanceof AppError && error.code === "internal")) throw error;
      services.log().error("grant.revoke_skipped_unreadable_token", { grantId: grant.grantId });
    }
  }
  const now = services.deps.clock();
  await services.grants().mutate(keyOf(grant), (current) => {
    if (!current) return undefined;
    const left = current.integrations.filter((n) => n !== integration);
    if (left.length === 0) return { delete: true };
    return { write: { ...current, integrations: left, updatedAt: now } };
  });
  return remaining.length === 0;
}
