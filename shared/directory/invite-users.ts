// Invites chosen directory people (the picker): each gets an account linked by Workspace id, or their
// existing manual account (same email) is linked. Invited accounts are not managed by provisioning, so
// scope rules never remove them. Idempotent: an already-invited person is reported, not re-created.
import { publishAuditEvent } from "../audit";
import type { DirectorySnapshot } from "./directory-snapshot";
import type { ApplyDeps } from "./provisioning-apply";
import { accountIdFor } from "./provisioning-diff";
import { UserProvisioningEvent } from "./provisioning-events";
import type { ProvisioningSettings } from "./provisioning-settings";

export type InviteOutcome =
  | "invited"
  | "linked"
  | "already_member"
  | "not_in_directory"
  | "no_seat"
  | "email_taken";

export async function inviteUsers(
  deps: ApplyDeps & { snapshot: DirectorySnapshot },
  orgId: string,
  settings: ProvisioningSettings | undefined,
  workspaceIds: string[],
  adminId: string,
): Promise<Array<{ workspaceId: string; outcome: InviteOutcome; accountId?: string }>> {
  const people = await deps.snapshot.readUsers(orgId, workspaceIds);
  let seatsFree =
    settings?.seatLimit == null
      ? Number.POSITIVE_INFINITY
      : settings.seatLimit - (await deps.users.countLicensed(orgId));
  const results: Array<{ workspaceId: string; outcome: InviteOutcome; accountId?: string }> = [];
  for (const workspaceId of [...new Set(workspaceIds)]) {
    const person = people.get(workspaceId);
    if (!person || person.deleted) {
      results.push({ workspaceId, outcome: "not_in_directory" });
      continue;
    }
    const existing = await deps.users.findForWorkspaceUser(orgId, workspaceId, person.primaryEmail);
    const linked = existing.find((a) => a.workspaceId === workspaceId);
    if (linked) {
      results.push({ workspaceId, outcome: "already_member", accountId: linked.id });
      continue;
    }
    const manual = existing.find((a) => !a.workspaceId);
    if (!manual && existing.length > 0) {
      results.push({ workspaceId, outcome: "email_taken" });
      continue;
    }
    const needsSeat = !(manual?.licensed && manual.status === "active");
    if (needsSeat && seatsFree < 1) {
      results.push({ workspaceId, outcome: "no_seat" });
      continue;
    }
    if (needsSeat) seatsFree--;
    const accountId = manual?.id ?? accountIdFor(workspaceId);
    await deps.users.save({
      ...(manual ?? { id: accountId, orgId, role: "user" as const }),
      email: person.primaryEmail,
      displayName: person.fullName,
      phone: person.phone,
      orgUnitPath: person.orgUnitPath,
      status: "active",
      licensed: true,
      workspaceId,
      ...(settings ? { licenceType: settings.licenceType } : {}),
    });
    const outcome: InviteOutcome = manual ? "linked" : "invited";
    const occurredAt = deps.clock().toISOString();
    await publishAuditEvent(deps.publisher, {
      orgId,
      action: `provisioning.${outcome}`,
      outcome: "success",
      actor: { type: "admin", id: adminId },
      target: { type: "user", id: accountId },
      occurredAt,
      details: { workspaceId },
    });
    await deps.publisher.publish(
      UserProvisioningEvent,
      { orgId, accountId, workspaceId, action: manual ? "linked" : "created", reason: "invited", occurredAt },
      { orderingKey: `${orgId}/${accountId}` },
    );
    results.push({ workspaceId, outcome, accountId });
  }
  return results;
}
