// The provisioning diff: from the synced directory, the org's rules and the phone-system accounts, what
// must change and why. Pure (no I/O, time passed in), so preview and apply compute the same thing and
// every rule is tested without emulators. Accounts not managed by provisioning are never changed
// (an unlinked manual account is only ever linked to the Workspace user with its email).

import type { UserAccount } from "../accounts";
import type { SnapshotGroup, SnapshotUser } from "./directory-snapshot";
import type { ProvisioningSettings } from "./provisioning-settings";

export interface AccountProfile {
  email: string;
  displayName: string;
  phone: string | null;
  orgUnitPath: string;
  department: string | null;
}

export type CreateReason = "entered_scope" | "matched_by_email";
export type UpdateReason = "profile_changed" | "restored";
export type DeprovisionReason = "deleted_in_workspace" | "left_scope" | "gone_from_directory";

export type ProvisioningChange =
  | {
      action: "create";
      accountId: string;
      workspaceId: string;
      reason: CreateReason;
      /** Links an existing manual account (same email) instead of creating a duplicate. */
      linksExisting: boolean;
      profile: AccountProfile;
    }
  | {
      action: "update";
      accountId: string;
      workspaceId: string;
      reason: UpdateReason;
      /** Field → [before, after]. */
      fields: Partial<Record<keyof AccountProfile | "status" | "licensed", [unknown, unknown]>>;
      profile: AccountProfile;
    }
  | { action: "suspend"; accountId: string; workspaceId: string; reason: "suspended_in_workspace" }
  | {
      action: "deprovision";
      accountId: string;
      workspaceId: string;
      reason: DeprovisionReason;
      /** start_grace records the due date; execute runs the org's deprovisioning action. */
      step: "start_grace" | "execute";
      dueAt: string;
      deprovisioning: ProvisioningSettings["deprovisioning"];
    };

export interface ProvisioningReport {
  duplicateEmails: Array<{ email: string; workspaceIds: string[] }>;
  seatShortage: Array<{ workspaceId: string; email: string }>;
}

export interface ProvisioningDiff {
  changes: ProvisioningChange[];
  report: ProvisioningReport;
}

export interface DiffInput {
  settings: ProvisioningSettings;
  /** Directory users to consider; `complete` says whether this is the whole directory. */
  users: SnapshotUser[];
  complete: boolean;
  groups: SnapshotGroup[];
  accounts: UserAccount[];
  /** Licences in use org-wide (active, licensed accounts), for the seat limit. */
  seatsInUse: number;
  now: Date;
}

const DAY_MS = 24 * 3600 * 1000;
export const accountIdFor = (workspaceId: string): string => `ws-${workspaceId}`;

const underOu = (path: string, parent: string) =>
  parent === "/" || path === parent || path.startsWith(`${parent.replace(/\/+$/, "")}/`);

/** Whether a (live) directory user is in the org's provisioning scope. */
export function inScope(
  settings: ProvisioningSettings,
  user: SnapshotUser,
  groups: SnapshotGroup[],
): boolean {
  const scope = settings.scope;
  switch (scope.kind) {
    case "domain":
      return true;
    case "orgUnits":
      return scope.paths.some((p) =>
        scope.includeSubUnits ? underOu(user.orgUnitPath, p) : user.orgUnitPath === p,
      );
    case "groups":
      return groups.some((g) => scope.groupEmails.includes(g.email) && g.memberIds.includes(user.id));
  }
}

/** The department a user belongs to: the deepest chosen OU above them, or the first chosen group they are in. */
export function provisionedDepartmentOf(
  settings: ProvisioningSettings,
  user: SnapshotUser,
  groups: SnapshotGroup[],
): string | null {
  const { source, ids } = settings.departments;
  if (source === "orgUnits") {
    if (ids.length === 0) return user.orgUnitPath === "/" ? null : user.orgUnitPath;
    const matches = ids.filter((p) => underOu(user.orgUnitPath, p)).sort((a, b) => b.length - a.length);
    return matches[0] ?? null;
  }
  if (source === "groups") {
    const chosen = groups
      .filter((g) => ids.map((i) => i.toLowerCase()).includes(g.email) && g.memberIds.includes(user.id))
      .sort((a, b) => a.email.localeCompare(b.email));
    return chosen[0]?.name || chosen[0]?.email || null;
  }
  return null;
}

const profileOf = (
  settings: ProvisioningSettings,
  user: SnapshotUser,
  groups: SnapshotGroup[],
): AccountProfile => ({
  email: user.primaryEmail,
  displayName: user.fullName,
  phone: user.phone,
  orgUnitPath: user.orgUnitPath,
  department: provisionedDepartmentOf(settings, user, groups),
});

const accountProfile = (a: UserAccount): AccountProfile => ({
  email: a.email.toLowerCase(),
  displayName: a.displayName ?? "",
  phone: a.phone ?? null,
  orgUnitPath: a.orgUnitPath ?? "/",
  department: a.department ?? null,
});

const isManaged = (a: UserAccount) => a.managedBy === "provisioning";
/** Already in the state the deprovisioning action leaves. */
const isDeprovisioned = (a: UserAccount) => a.deprovisionedAt != null;

export function provisioningDiff(input: DiffInput): ProvisioningDiff {
  const { settings, users, groups, accounts, now } = input;
  const changes: ProvisioningChange[] = [];
  const report: ProvisioningReport = { duplicateEmails: [], seatShortage: [] };
  const byWorkspaceId = new Map(
    accounts.filter((a) => a.workspaceId).map((a) => [a.workspaceId as string, a]),
  );
  const byEmail = new Map<string, UserAccount[]>();
  for (const a of accounts)
    byEmail.set(a.email.toLowerCase(), [...(byEmail.get(a.email.toLowerCase()) ?? []), a]);

  const live = users.filter((u) => !u.deleted);
  const wanted = live.filter((u) => !u.suspended && !u.archived && inScope(settings, u, groups));

  // Two live people with one email (or an email already held by another person's account) cannot both
  // be matched by email: report them, provision neither.
  const duplicates = new Set<string>();
  const emailOwners = new Map<string, string[]>();
  for (const u of wanted) emailOwners.set(u.primaryEmail, [...(emailOwners.get(u.primaryEmail) ?? []), u.id]);
  // An account's email as it will be after this diff: a renamed colleague frees their old address.
  const usersById = new Map(users.map((u) => [u.id, u]));
  const effectiveEmail = (a: UserAccount) => {
    const person = a.workspaceId ? usersById.get(a.workspaceId) : undefined;
    return person && !person.deleted && isManaged(a) ? person.primaryEmail : a.email.toLowerCase();
  };
  for (const u of wanted) {
    if (byWorkspaceId.has(u.id)) continue;
    const heldBy = (byEmail.get(u.primaryEmail) ?? []).filter(
      (a) => a.workspaceId && a.workspaceId !== u.id && effectiveEmail(a) === u.primaryEmail,
    );
    for (const a of heldBy)
      emailOwners.set(u.primaryEmail, [
        ...new Set([...(emailOwners.get(u.primaryEmail) ?? []), a.workspaceId as string]),
      ]);
  }
  for (const [email, ids] of emailOwners) {
    if (ids.length < 2) continue;
    duplicates.add(email);
    report.duplicateEmails.push({ email, workspaceIds: [...ids].sort() });
  }

  const grace = (reason: DeprovisionReason, a: UserAccount, workspaceId: string) => {
    if (!isManaged(a) || isDeprovisioned(a)) return;
    const pending = a.pendingDeprovision;
    if (pending) {
      if (now.getTime() >= Date.parse(pending.dueAt)) {
        changes.push({
          action: "deprovision",
          accountId: a.id,
          workspaceId,
          reason: pending.reason as DeprovisionReason,
          step: "execute",
          dueAt: pending.dueAt,
          deprovisioning: settings.deprovisioning,
        });
      }
      return;
    }
    const dueAt = new Date(now.getTime() + settings.gracePeriodDays * DAY_MS).toISOString();
    const step = settings.gracePeriodDays === 0 ? "execute" : "start_grace";
    changes.push({
      action: "deprovision",
      accountId: a.id,
      workspaceId,
      reason,
      step,
      dueAt,
      deprovisioning: settings.deprovisioning,
    });
  };

  // Seats: licences freed in this diff can be given to newcomers in the same diff.
  let seatsFree =
    settings.seatLimit === null ? Number.POSITIVE_INFINITY : settings.seatLimit - input.seatsInUse;
  const needSeat: Array<{ user: SnapshotUser; change: ProvisioningChange }> = [];
  const wantedIds = new Set(wanted.map((u) => u.id));

  for (const u of [...users].sort(
    (a, b) => a.primaryEmail.localeCompare(b.primaryEmail) || a.id.localeCompare(b.id),
  )) {
    const linked = byWorkspaceId.get(u.id);
    if (u.deleted || !inScope(settings, u, groups)) {
      if (linked) grace(u.deleted ? "deleted_in_workspace" : "left_scope", linked, u.id);
      continue;
    }
    if (u.suspended || u.archived) {
      // Suspension in Workspace revokes the licence at once (no grace): the person cannot work anyway.
      if (linked && isManaged(linked) && (linked.licensed || linked.pendingDeprovision)) {
        changes.push({
          action: "suspend",
          accountId: linked.id,
          workspaceId: u.id,
          reason: "suspended_in_workspace",
        });
        if (linked.licensed && linked.status === "active") seatsFree++;
      }
      continue;
    }
    if (!wantedIds.has(u.id)) continue;
    const profile = profileOf(settings, u, groups);
    if (!linked) {
      if (duplicates.has(u.primaryEmail)) continue;
      const manual = (byEmail.get(u.primaryEmail) ?? []).find((a) => !a.workspaceId);
      const change: ProvisioningChange = {
        action: "create",
        accountId: manual?.id ?? accountIdFor(u.id),
        workspaceId: u.id,
        reason: manual ? "matched_by_email" : "entered_scope",
        linksExisting: manual !== undefined,
        profile,
      };
      if (manual?.licensed && manual.status === "active") changes.push(change);
      else needSeat.push({ user: u, change });
      continue;
    }
    if (!isManaged(linked)) continue;
    const before = accountProfile(linked);
    const fields: Extract<ProvisioningChange, { action: "update" }>["fields"] = {};
    for (const k of Object.keys(profile) as Array<keyof AccountProfile>) {
      if (before[k] !== profile[k]) fields[k] = [before[k], profile[k]];
    }
    const restoring = linked.status !== "active" || !linked.licensed || linked.pendingDeprovision != null;
    if (restoring) {
      if (linked.status !== "active") fields.status = [linked.status, "active"];
      if (!linked.licensed) fields.licensed = [false, true];
      const change: ProvisioningChange = {
        action: "update",
        accountId: linked.id,
        workspaceId: u.id,
        reason: "restored",
        fields,
        profile,
      };
      if (linked.licensed && linked.status === "active") changes.push(change);
      else needSeat.push({ user: u, change });
    } else if (Object.keys(fields).length > 0) {
      changes.push({
        action: "update",
        accountId: linked.id,
        workspaceId: u.id,
        reason: "profile_changed",
        fields,
        profile,
      });
    }
  }

  // A managed account whose person is no longer in the directory at all (purged after deletion).
  if (input.complete) {
    const known = new Set(users.map((u) => u.id));
    for (const a of accounts) {
      if (a.workspaceId && !known.has(a.workspaceId)) grace("gone_from_directory", a, a.workspaceId);
    }
  }
  for (const c of changes) {
    if (c.action === "deprovision" && c.step === "execute") {
      const a = accounts.find((x) => x.id === c.accountId);
      if (a?.licensed && a.status === "active") seatsFree++;
    }
  }
  for (const { user, change } of needSeat) {
    if (seatsFree >= 1) {
      seatsFree--;
      changes.push(change);
    } else {
      report.seatShortage.push({ workspaceId: user.id, email: user.primaryEmail });
    }
  }
  return { changes, report };
}
