// One organisation's directory: users, org units, groups, and a change log of user events. Users are
// replaced (never mutated) on change so page snapshots and watch payloads stay consistent.
import { ChangeLog } from "../change-log";
import { directoryEtag, numericId } from "../ids";

export type UserEvent = "add" | "update" | "delete" | "undelete" | "makeAdmin";

export interface UserPhone {
  value: string;
  /** One of Google's phone types (see user-write.ts); "custom" comes with `customType`. */
  type: string;
  customType?: string;
  primary?: boolean;
}

/** An entry of the user's `organizations` (job title, department…). */
export interface UserOrganization {
  name?: string;
  title?: string;
  department?: string;
  primary?: boolean;
  type?: string;
  customType?: string;
}

export interface DirectoryUser {
  id: string;
  orgId: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  phones: UserPhone[];
  organizations: UserOrganization[];
  orgUnitPath: string;
  suspended: boolean;
  archived: boolean;
  /** A super administrator (the Directory API's `isAdmin`). */
  isAdmin: boolean;
  /** An administrator with a delegated (not super) admin role. */
  isDelegatedAdmin?: boolean;
  creationTime: number;
  deletionTime?: number;
  lastLoginTime?: number;
  etag: string;
}

export interface OrgUnit {
  orgUnitId: string;
  name: string;
  orgUnitPath: string;
  parentOrgUnitPath: string;
  description: string;
}

export interface GroupMember {
  email: string;
  role: "OWNER" | "MANAGER" | "MEMBER";
  type: "USER" | "GROUP";
}

export interface Group {
  id: string;
  email: string;
  name: string;
  description: string;
  members: GroupMember[];
  etag: string;
}

export type NewUser = Omit<DirectoryUser, "id" | "orgId" | "etag" | "deletionTime" | "organizations"> & {
  id?: string;
  organizations?: UserOrganization[];
};

export type UserListener = (event: UserEvent, user: DirectoryUser) => void;

export type SortKey = "email" | "givenName" | "familyName";

export class OrgDirectory {
  readonly users = new Map<string, DirectoryUser>();
  private readonly idByEmail = new Map<string, string>();
  readonly orgUnits = new Map<string, OrgUnit>();
  readonly groups = new Map<string, Group>();
  /** Users created through users.insert, with the sim time of creation (for "creation not complete"). */
  readonly recentInserts = new Map<string, number>();
  /** Users whose primaryEmail a users.update/patch changed, with the sim time of the change (409 for a while). */
  readonly recentRenames = new Map<string, number>();
  /** Keys are user ids; drives listDirectoryPeople sync tokens. */
  readonly log = new ChangeLog();
  private sorted = new Map<SortKey, DirectoryUser[]>();
  private readonly listeners: UserListener[] = [];

  constructor(
    readonly orgId: string,
    private readonly now: () => number,
  ) {
    this.ensureOrgUnit("/");
  }

  onUserEvent(listener: UserListener): void {
    this.listeners.push(listener);
  }

  ensureOrgUnit(path: string, description = ""): OrgUnit {
    const normalised = normaliseOuPath(path);
    const existing = this.orgUnits.get(normalised);
    if (existing) return existing;
    const parent = normalised === "/" ? "" : normalised.slice(0, normalised.lastIndexOf("/")) || "/";
    if (parent) this.ensureOrgUnit(parent);
    const ou: OrgUnit = {
      orgUnitId: `id:03ph8a2z${numericId("4").slice(0, 8)}`,
      name: normalised === "/" ? "" : normalised.slice(normalised.lastIndexOf("/") + 1),
      orgUnitPath: normalised,
      parentOrgUnitPath: parent,
      description,
    };
    this.orgUnits.set(normalised, ou);
    return ou;
  }

  addGroup(group: Omit<Group, "id" | "etag">): Group {
    const g: Group = {
      ...group,
      email: group.email.toLowerCase(),
      id: numericId("0"),
      etag: directoryEtag(),
    };
    this.groups.set(g.email, g);
    return g;
  }

  findUser(key: string): DirectoryUser | undefined {
    const byId = this.users.get(key);
    if (byId) return byId;
    const id = this.idByEmail.get(key.toLowerCase());
    return id === undefined ? undefined : this.users.get(id);
  }

  addUser(input: NewUser, opts: { silent?: boolean } = {}): DirectoryUser {
    const email = input.primaryEmail.toLowerCase();
    if (this.idByEmail.has(email)) throw new Error(`user ${email} already exists`);
    this.ensureOrgUnit(input.orgUnitPath);
    const user: DirectoryUser = {
      ...input,
      organizations: input.organizations ?? [],
      id: input.id ?? numericId("1"),
      primaryEmail: email,
      orgUnitPath: normaliseOuPath(input.orgUnitPath),
      orgId: this.orgId,
      etag: directoryEtag(),
    };
    this.users.set(user.id, user);
    this.idByEmail.set(email, user.id);
    this.changed(user, "add", opts.silent);
    return user;
  }

  /** Applies a change and emits `event` (default "update"). */
  updateUser(id: string, patch: Partial<DirectoryUser>, event: UserEvent = "update"): DirectoryUser {
    const current = this.users.get(id);
    if (!current) throw new Error(`no user ${id}`);
    const next: DirectoryUser = { ...current, ...patch, id, orgId: this.orgId, etag: directoryEtag() };
    if (patch.orgUnitPath) {
      next.orgUnitPath = normaliseOuPath(patch.orgUnitPath);
      this.ensureOrgUnit(next.orgUnitPath);
    }
    if (next.primaryEmail !== current.primaryEmail) {
      next.primaryEmail = next.primaryEmail.toLowerCase();
      this.idByEmail.delete(current.primaryEmail);
      this.idByEmail.set(next.primaryEmail, id);
    }
    this.users.set(id, next);
    this.changed(next, event);
    return next;
  }

  deleteUser(id: string): DirectoryUser {
    return this.updateUser(id, { deletionTime: this.now() }, "delete");
  }

  undeleteUser(id: string): DirectoryUser {
    const current = this.users.get(id);
    if (!current) throw new Error(`no user ${id}`);
    const { deletionTime: _gone, ...rest } = current;
    const next: DirectoryUser = { ...rest, etag: directoryEtag() };
    this.users.set(id, next);
    this.changed(next, "undelete");
    return next;
  }

  /** All users (live and deleted) sorted by a key; cached until the next change. */
  sortedUsers(key: SortKey): DirectoryUser[] {
    let list = this.sorted.get(key);
    if (!list) {
      const field = (u: DirectoryUser) =>
        key === "email"
          ? u.primaryEmail
          : key === "givenName"
            ? u.givenName.toLowerCase()
            : u.familyName.toLowerCase();
      list = [...this.users.values()].sort((a, b) => {
        const fa = field(a);
        const fb = field(b);
        return fa < fb ? -1 : fa > fb ? 1 : a.primaryEmail < b.primaryEmail ? -1 : 1;
      });
      this.sorted.set(key, list);
    }
    return list;
  }

  /** Members of a group; with `derived`, nested groups are expanded into their users. */
  groupMembers(group: Group, derived: boolean, seen = new Set<string>()): GroupMember[] {
    if (!derived) return group.members;
    seen.add(group.email);
    const out = new Map<string, GroupMember>();
    for (const m of group.members) {
      if (m.type === "USER") out.set(m.email, m);
      else if (!seen.has(m.email)) {
        const nested = this.groups.get(m.email);
        if (nested)
          for (const n of this.groupMembers(nested, true, seen)) if (!out.has(n.email)) out.set(n.email, n);
      }
    }
    return [...out.values()];
  }

  /** Groups a user belongs to, directly or through nested groups. */
  groupsOf(email: string): string[] {
    const out: string[] = [];
    for (const g of this.groups.values()) {
      if (this.groupMembers(g, true).some((m) => m.email === email)) out.push(g.email);
    }
    return out;
  }

  private changed(user: DirectoryUser, event: UserEvent, silent = false): void {
    this.sorted.clear();
    this.log.append(user.id, this.now());
    if (!silent) for (const l of this.listeners) l(event, user);
  }
}

export function normaliseOuPath(path: string): string {
  const trimmed = `/${path.trim().replace(/^\/+|\/+$/g, "")}`;
  return trimmed === "/" ? "/" : trimmed;
}
