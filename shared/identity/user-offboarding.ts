// What identity does when a person loses their account (provisioning's deprovisioning action): every
// refresh session revoked, every integration's background work stopped, and every Google grant revoked
// at Google and deleted. The small interface other capabilities call; idempotent, so a retry is safe.
import { AppError } from "../platform/errors";
import { revokeAtGoogle } from "./grant-detach";
import { keyOf } from "./grant-repository";
import type { IdentityServices } from "./identity-services";
import { firestoreRefreshSessions } from "./refresh-sessions";

export interface OffboardingResult {
  sessionsRevoked: number;
  grantsRevoked: number;
}

export interface UserOffboarding {
  /** Revokes the user's sessions only (a suspension: the account and its grants stay for a return). */
  revokeSessions(orgId: string, userId: string, reason: string): Promise<number>;
  /** Sessions, background work and Google grants: the account keeps nothing that reaches Google. */
  offboard(orgId: string, userId: string, reason: string): Promise<OffboardingResult>;
}

export function userOffboarding(services: IdentityServices): UserOffboarding {
  const sessions = () => firestoreRefreshSessions(services.db(), services.deps.clock);
  return {
    revokeSessions: (orgId, userId, reason) => sessions().revokeAllForUser(orgId, userId, reason),
    async offboard(orgId, userId, reason) {
      const sessionsRevoked = await sessions().revokeAllForUser(orgId, userId, reason);
      const grants = await services.grants().listForUser(orgId, userId);
      for (const grant of grants) {
        await services.teardowns().disconnect({ orgId, userId }, grant.integrations, async () => {
          try {
            await revokeAtGoogle(services, grant);
          } catch (error) {
            // An unreadable token or an unconfigured OAuth client cannot revoke; deleting the grant still
            // leaves nothing usable here. Google being down is worth a retry.
            if (error instanceof AppError && error.retryable) throw error;
            services.log().warn("offboarding.revoke_skipped", {
              grantId: grant.grantId,
              reason: (error as Error).message,
            });
          }
          await services.grants().mutate(keyOf(grant), () => ({ delete: true }));
        });
      }
      return { sessionsRevoked, grantsRevoked: grants.length };
    },
  };
}
