// The user-provisioning event: every account change provisioning makes is published, for the phone
// system (numbers, licences) and anything else that follows account lifecycles.
import { z } from "zod";
import { defineMessage } from "../platform/messages";

export const USER_PROVISIONING_TOPIC = "user-provisioning";

export const UserProvisioningEvent = defineMessage(
  USER_PROVISIONING_TOPIC,
  z.object({
    orgId: z.string(),
    accountId: z.string(),
    workspaceId: z.string(),
    action: z.enum([
      "created",
      "linked",
      "updated",
      "restored",
      "licence_revoked",
      "grace_started",
      "deprovisioned",
    ]),
    reason: z.string(),
    /** suspend or remove, on deprovisioned. */
    deprovisioning: z.enum(["suspend", "remove"]).optional(),
    occurredAt: z.iso.datetime({ offset: true }),
  }),
);
