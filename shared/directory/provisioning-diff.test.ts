// The provisioning rules, without I/O: who gets an account, who loses it and when, and what is reported.
import { describe, expect, it } from "vitest";
import type { UserAccount } from "../accounts/user-repository";
import type { SnapshotGroup, SnapshotUser } from "./directory-snapshot";
import { accountIdFor, type DiffInput, provisioningDiff } from "./provisioning-diff";
import { ProvisioningSettings, type ProvisioningSettingsInput } from "./provisioning-settings";

const NOW = new Date("2026-03-01T12:00:00Z");
const DAY = 24 * 3600 * 1000;

const person = (id: string, over: Partial<SnapshotUser> = {}): SnapshotUser => ({
  id,
  primaryEmail: `${id}@acme.example`,
  givenName: id,
  familyName: "Test",
  fullName: `${id} Test`,
  orgUnitPath: "/Sales",
  suspended: false,
  archived: false,
  isAdmin: false,
  phone: null,
  deleted: false,
  hash: "h",
  changedAt: NOW.toISOString(),
  ...over,
});

const managed = (id: string, over: Partial<UserAccount> = {}): UserAccount => ({
  id: accountIdFor(id),
  orgId: "acme",
  email: `${id}@acme.example`,
  displayName: `${id} Test`,
  role: "user",
  status: "active",
  licensed: true,
  workspaceId: id,
  managedBy: "provisioning",
  phone: null,
  orgUnitPath: "/Sales",
  department: null,
  ...over,
});

const settings = (over: Partial<ProvisioningSettingsInput> = {}) =>
  ProvisioningSettings.parse({
    scope: { kind: "orgUnits", paths: ["/Sales"], includeSubUnits: true },
    gracePeriodDays: 7,
    ...over,
  });

const diff = (input: Partial<DiffInput> & Pick<DiffInput, "users" | "accounts">) =>
  provisioningDiff({
    settings: settings(),
    complete: true,
    groups: [],
    seatsInUse: input.accounts.length,
    now: NOW,
    ...input,
  });

describe("provisioning diff", () => {
  it("creates an account for an active person entering scope, and none for people outside it", () => {
    const d = diff({
      users: [
        person("ada"),
        person("bob", { orgUnitPath: "/Support" }),
        person("cy", { orgUnitPath: "/Sales/EMEA" }),
      ],
      accounts: [],
    });
    expect(d.changes.map((c) => [c.action, c.workspaceId, c.reason])).toEqual([
      ["create", "ada", "entered_scope"],
      ["create", "cy", "entered_scope"],
    ]);
  });

  it("without sub-units, only the listed OU itself is in scope", () => {
    const d = diff({
      settings: settings({ scope: { kind: "orgUnits", paths: ["/Sales"], includeSubUnits: false } }),
      users: [person("ada"), person("cy", { orgUnitPath: "/Sales/EMEA" })],
      accounts: [],
    });
    expect(d.changes.map((c) => c.workspaceId)).toEqual(["ada"]);
  });

  it("scopes by group membership and takes departments from groups", () => {
    const groups: SnapshotGroup[] = [
      { id: "g1", email: "sales@acme.example", name: "Sales team", memberIds: ["bob"], hash: "x" },
    ];
    const d = diff({
      settings: settings({
        scope: { kind: "groups", groupEmails: ["sales@acme.example"] },
        departments: { source: "groups", ids: ["sales@acme.example"] },
      }),
      users: [person("ada"), person("bob", { orgUnitPath: "/Support" })],
      groups,
      accounts: [],
    });
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]).toMatchObject({
      action: "create",
      workspaceId: "bob",
      profile: { department: "Sales team" },
    });
  });

  it("links a manual account with the same email instead of creating a duplicate", () => {
    const manual: UserAccount = {
      id: "u-ada",
      orgId: "acme",
      email: "ADA@acme.example",
      role: "user",
      status: "active",
      licensed: true,
    };
    const d = diff({ users: [person("ada")], accounts: [manual] });
    expect(d.changes).toEqual([
      expect.objectContaining({
        action: "create",
        accountId: "u-ada",
        reason: "matched_by_email",
        linksExisting: true,
      }),
    ]);
  });

  it("never touches accounts provisioning does not manage", () => {
    const manual: UserAccount = {
      id: "u-zed",
      orgId: "acme",
      email: "zed@acme.example",
      role: "admin",
      status: "active",
      licensed: true,
    };
    const invited: UserAccount = { ...managed("bob"), managedBy: undefined };
    const d = diff({ users: [person("bob", { deleted: true })], accounts: [manual, invited] });
    expect(d.changes).toEqual([]);
  });

  it("updates name, email, phone, OU and department when the profile changes", () => {
    const d = diff({
      settings: settings({ departments: { source: "orgUnits", ids: [] } }),
      users: [
        person("ada", {
          fullName: "Ada Lovelace",
          primaryEmail: "ada.l@acme.example",
          phone: "+44 20 7946 0000",
          orgUnitPath: "/Sales/EMEA",
        }),
      ],
      accounts: [managed("ada")],
    });
    expect(d.changes).toEqual([
      expect.objectContaining({
        action: "update",
        reason: "profile_changed",
        fields: {
          email: ["ada@acme.example", "ada.l@acme.example"],
          displayName: ["ada Test", "Ada Lovelace"],
          phone: [null, "+44 20 7946 0000"],
          orgUnitPath: ["/Sales", "/Sales/EMEA"],
          department: [null, "/Sales/EMEA"],
        },
      }),
    ]);
  });

  it("revokes the licence of a person suspended in Workspace at once, without grace", () => {
    const d = diff({ users: [person("ada", { suspended: true })], accounts: [managed("ada")] });
    expect(d.changes).toEqual([
      { action: "suspend", accountId: "ws-ada", workspaceId: "ada", reason: "suspended_in_workspace" },
    ]);
  });

  it("starts the grace period when a person is deleted or leaves scope, then deprovisions when it is over", () => {
    const d = diff({
      users: [person("ada", { deleted: true }), person("bob", { orgUnitPath: "/Support" })],
      accounts: [managed("ada"), managed("bob")],
    });
    expect(
      d.changes.map((c) => c.action === "deprovision" && [c.workspaceId, c.reason, c.step, c.dueAt]),
    ).toEqual([
      ["ada", "deleted_in_workspace", "start_grace", new Date(NOW.getTime() + 7 * DAY).toISOString()],
      ["bob", "left_scope", "start_grace", new Date(NOW.getTime() + 7 * DAY).toISOString()],
    ]);
    const pending = {
      reason: "deleted_in_workspace",
      since: NOW.toISOString(),
      dueAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
    };
    const during = diff({
      users: [person("ada", { deleted: true })],
      accounts: [managed("ada", { pendingDeprovision: pending })],
      now: new Date(NOW.getTime() + 6 * DAY),
    });
    expect(during.changes).toEqual([]);
    const after = diff({
      settings: settings({ deprovisioning: "remove" }),
      users: [person("ada", { deleted: true })],
      accounts: [managed("ada", { pendingDeprovision: pending })],
      now: new Date(NOW.getTime() + 7 * DAY),
    });
    expect(after.changes).toEqual([
      expect.objectContaining({
        action: "deprovision",
        step: "execute",
        deprovisioning: "remove",
        reason: "deleted_in_workspace",
      }),
    ]);
  });

  it("deprovisions at once when the grace period is 'immediately'", () => {
    const d = diff({
      settings: settings({ gracePeriodDays: 0 }),
      users: [person("ada", { deleted: true })],
      accounts: [managed("ada")],
    });
    expect(d.changes).toEqual([expect.objectContaining({ action: "deprovision", step: "execute" })]);
  });

  it("restores a person who returns within grace, keeping the same account", () => {
    const pending = {
      reason: "left_scope",
      since: NOW.toISOString(),
      dueAt: new Date(NOW.getTime() + DAY).toISOString(),
    };
    const d = diff({ users: [person("ada")], accounts: [managed("ada", { pendingDeprovision: pending })] });
    expect(d.changes).toEqual([
      expect.objectContaining({ action: "update", accountId: "ws-ada", reason: "restored" }),
    ]);
  });

  it("treats a managed account whose person vanished from a complete directory as deleted", () => {
    expect(diff({ users: [], accounts: [managed("ada")] }).changes).toEqual([
      expect.objectContaining({ reason: "gone_from_directory" }),
    ]);
    expect(diff({ users: [], accounts: [managed("ada")], complete: false }).changes).toEqual([]);
  });

  it("reports people beyond the seat limit instead of failing, counting licences freed in the same diff", () => {
    const d = diff({
      settings: settings({ seatLimit: 2, gracePeriodDays: 0 }),
      users: [person("ada", { deleted: true }), person("bob"), person("cy"), person("dee")],
      accounts: [
        managed("ada"),
        {
          id: "u-zed",
          orgId: "acme",
          email: "zed@acme.example",
          role: "user",
          status: "active",
          licensed: true,
        },
      ],
      seatsInUse: 2,
    });
    expect(d.changes.filter((c) => c.action === "create").map((c) => c.workspaceId)).toEqual(["bob"]);
    expect(d.report.seatShortage.map((s) => s.workspaceId)).toEqual(["cy", "dee"]);
  });

  it("reports an email held by another person's account and provisions neither by email", () => {
    const d = diff({
      users: [person("new", { primaryEmail: "ada@acme.example" }), person("ada", { deleted: true })],
      accounts: [managed("ada")],
    });
    expect(d.report.duplicateEmails).toEqual([{ email: "ada@acme.example", workspaceIds: ["ada", "new"] }]);
    expect(d.changes.filter((c) => c.action === "create")).toEqual([]);
  });

  it("does not report a duplicate when the holder is renamed in the same diff", () => {
    const d = diff({
      users: [
        person("new", { primaryEmail: "ada@acme.example" }),
        person("ada", { primaryEmail: "ada.old@acme.example" }),
      ],
      accounts: [managed("ada")],
    });
    expect(d.report.duplicateEmails).toEqual([]);
    expect(d.changes.map((c) => c.action).sort()).toEqual(["create", "update"]);
  });

  it("is empty when nothing changed", () => {
    expect(diff({ users: [person("ada")], accounts: [managed("ada")] }).changes).toEqual([]);
  });
});
