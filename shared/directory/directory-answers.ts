// The provisioning routes' answers as the API describes them (directory-routes.ts): the shapes of
// provisioning-diff.ts (ProvisioningChange, ProvisioningReport) and provisioning-apply.ts (ApplyResult).
import { z } from "zod";

const Profile = z.object({
  email: z.string(),
  displayName: z.string(),
  phone: z.string().nullable(),
  orgUnitPath: z.string(),
  department: z.string().nullable(),
});

/** One change; `fields` (updates) maps a field to [before, after]; deprovisions carry their grace step. */
export const ProvisioningChangeAnswer = z.looseObject({
  action: z.enum(["create", "update", "suspend", "deprovision"]),
  accountId: z.string(),
  workspaceId: z.string(),
  reason: z.string(),
  linksExisting: z.boolean().optional(),
  profile: Profile.optional(),
  fields: z.record(z.string(), z.tuple([z.unknown(), z.unknown()])).optional(),
});

export const ProvisioningReportAnswer = z.object({
  duplicateEmails: z.array(z.object({ email: z.string(), workspaceIds: z.array(z.string()) })),
  seatShortage: z.array(z.object({ workspaceId: z.string(), email: z.string() })),
});

export const PreviewAnswer = z.object({
  directoryVersion: z.number(),
  diffHash: z.string(),
  changes: z.array(ProvisioningChangeAnswer),
  report: ProvisioningReportAnswer,
});

export const ApplyAnswer = z.object({
  applied: z.number().int().min(0),
  failed: z.array(z.object({ accountId: z.string(), action: z.string(), error: z.string() })),
  report: ProvisioningReportAnswer,
});

/** GET /v1/admin/directory/users: directory people with their Switchboard status (directory-picker.ts). */
export const DirectoryPage = z.object({
  users: z.array(
    z.object({
      workspaceId: z.string(),
      email: z.string(),
      name: z.string(),
      orgUnitPath: z.string(),
      suspendedInWorkspace: z.boolean(),
      switchboard: z.object({
        status: z.enum(["none", "active", "unlicensed", "suspended", "deprovisioned", "pending_deprovision"]),
        accountId: z.string().nullable(),
        managed: z.boolean(),
      }),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** POST /v1/admin/invites (invite-users.ts). */
export const InviteAnswer = z.object({
  results: z.array(
    z.object({
      workspaceId: z.string(),
      outcome: z.enum(["invited", "linked", "already_member", "not_in_directory", "no_seat", "email_taken"]),
      accountId: z.string().optional(),
    }),
  ),
});
