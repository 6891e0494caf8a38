// Published when a grant stops (or starts again) being usable: a dead refresh token (needs_reauth) or
// scopes that no longer cover an integration (partial). Notifiers and the integration health page consume it.
import { z } from "zod";
import { defineMessage } from "../platform/messages";
import { GrantStatus } from "./grant-repository";
import { IntegrationName } from "./integrations";

export const GRANT_STATUS_CHANGED_TOPIC = "grant-status-changed";

export const GrantStatusChanged = z.object({
  /** Deterministic per transition (grant + version), so consumers drop a re-published duplicate. */
  id: z.string().min(1).max(300),
  orgId: z.string(),
  userId: z.string(),
  grantId: z.string(),
  status: GrantStatus,
  /** The integrations the grant serves. */
  integrations: z.array(IntegrationName),
  /** Those of them whose scopes the grant no longer covers. */
  partialIntegrations: z.array(IntegrationName),
  /** A stable reason code: invalid_grant, scope_drift. */
  reason: z.string().max(100),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type GrantStatusChanged = z.infer<typeof GrantStatusChanged>;

export const GrantStatusChangedMessage = defineMessage(GRANT_STATUS_CHANGED_TOPIC, GrantStatusChanged);
