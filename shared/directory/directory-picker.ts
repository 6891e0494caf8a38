// The directory picker: browse or search the synced directory (never Google directly), each person with
// their Switchboard status, so an admin can choose whom to invite.
import type { Firestore } from "@google-cloud/firestore";
import type { UserAccount } from "../accounts";
import type { SnapshotGroup, SnapshotUser } from "./directory-snapshot";

export type SwitchboardStatus =
  | "none"
  | "active"
  | "suspended"
  | "deprovisioned"
  | "pending_deprovision"
  | "unlicensed";

export interface PickerEntry {
  workspaceId: string;
  email: string;
  name: string;
  orgUnitPath: string;
  suspendedInWorkspace: boolean;
  switchboard: { status: SwitchboardStatus; accountId: string | null; managed: boolean };
}

export interface PickerQuery {
  q?: string;
  ou?: string;
  group?: string;
  cursor?: string;
  limit: number;
}

const statusOf = (a: UserAccount | undefined): SwitchboardStatus => {
  if (!a) return "none";
  if (a.pendingDeprovision) return "pending_deprovision";
  if (a.status !== "active") return a.status;
  return a.licensed ? "active" : "unlicensed";
};

const SCAN_CAP = 5000;

/** A page of live directory users ordered by email (search = email prefix), with filters applied. */
export async function browseDirectory(
  db: Firestore,
  orgId: string,
  query: PickerQuery,
): Promise<{ users: PickerEntry[]; nextCursor: string | null }> {
  const q = query.q?.trim().toLowerCase();
  let memberIds: Set<string> | undefined;
  if (query.group) {
    const groups = await db
      .collection(`orgs/${orgId}/directoryGroups`)
      .where("email", "==", query.group.toLowerCase())
      .limit(1)
      .get();
    memberIds = new Set((groups.docs[0]?.data() as SnapshotGroup | undefined)?.memberIds ?? []);
  }
  const matches = (u: SnapshotUser) =>
    !u.deleted &&
    (!query.ou ||
      u.orgUnitPath === query.ou ||
      u.orgUnitPath.startsWith(`${query.ou.replace(/\/+$/, "")}/`)) &&
    (!memberIds || memberIds.has(u.id));
  const found: SnapshotUser[] = [];
  let after = query.cursor;
  let scanned = 0;
  // Filters other than the email prefix run in memory (one ordered scan, no composite index per
  // filter combination), bounded so a sparse filter cannot scan the whole directory in one request.
  while (found.length <= query.limit && scanned < SCAN_CAP) {
    let ref = db.collection(`orgs/${orgId}/directory`).orderBy("primaryEmail");
    if (q) ref = ref.where("primaryEmail", ">=", q).where("primaryEmail", "<", `${q}\uf8ff`);
    if (after) ref = ref.startAfter(after);
    const snap = await ref.limit(200).get();
    scanned += snap.size;
    for (const d of snap.docs) {
      const u = d.data() as SnapshotUser;
      if (matches(u)) found.push(u);
    }
    const last = snap.docs.at(-1);
    if (!last || snap.size < 200) {
      after = undefined;
      break;
    }
    after = (last.data() as SnapshotUser).primaryEmail;
  }
  const page = found.slice(0, query.limit);
  const more = found.length > query.limit || after !== undefined;
  const accounts = await accountsFor(db, orgId, page);
  return {
    users: page.map((u) => {
      const a = accounts.get(u.id) ?? accounts.get(u.primaryEmail);
      return {
        workspaceId: u.id,
        email: u.primaryEmail,
        name: u.fullName,
        orgUnitPath: u.orgUnitPath,
        suspendedInWorkspace: u.suspended,
        switchboard: {
          status: statusOf(a),
          accountId: a?.id ?? null,
          managed: a?.managedBy === "provisioning",
        },
      };
    }),
    nextCursor: more ? (page.at(-1)?.primaryEmail ?? null) : null,
  };
}

/** Accounts by Workspace id, and unlinked (manual) accounts by email: both are "already has an account". */
async function accountsFor(
  db: Firestore,
  orgId: string,
  people: SnapshotUser[],
): Promise<Map<string, UserAccount>> {
  const out = new Map<string, UserAccount>();
  const users = db.collection(`orgs/${orgId}/users`);
  for (let i = 0; i < people.length; i += 30) {
    const chunk = people.slice(i, i + 30);
    const [byId, byEmail] = await Promise.all([
      users
        .where(
          "workspaceId",
          "in",
          chunk.map((p) => p.id),
        )
        .get(),
      users
        .where(
          "email",
          "in",
          chunk.map((p) => p.primaryEmail),
        )
        .get(),
    ]);
    for (const d of byEmail.docs) {
      const a = d.data() as UserAccount;
      if (!a.workspaceId) out.set(a.email, a);
    }
    for (const d of byId.docs) {
      const a = d.data() as UserAccount;
      if (a.workspaceId) out.set(a.workspaceId, a);
    }
  }
  return out;
}
