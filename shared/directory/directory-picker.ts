// The directory picker: browse or search the synced directory (never Google directly), each person with
// their Switchboard status, so an admin can choose whom to invite.
import { FieldPath, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { UserAccount } from "../accounts";
import { pageCursor } from "../platform/page-cursor";
import { SnapshotGroupSchema, type SnapshotUser, SnapshotUserSchema } from "./directory-snapshot";

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

/** Where a page (or a scan cut short) ends: the last user's email and Workspace id, in email order. */
export const PickerPosition = z.object({
  email: z.string().min(1).max(500),
  // A document id (Google's numeric user id); absent only in cursors issued before ids were added.
  id: z
    .string()
    .regex(/^[\w-]{1,128}$/)
    .optional(),
});
export type PickerPosition = z.infer<typeof PickerPosition>;

export const pickerCursor = pageCursor("directory-users", PickerPosition, {
  // The format before: the last user's primary email itself.
  legacy: (text) => (text.includes("@") ? { email: text } : undefined),
});

export interface PickerQuery {
  q?: string;
  ou?: string;
  group?: string;
  after?: PickerPosition;
  limit: number;
}

const statusOf = (a: UserAccount | undefined): SwitchboardStatus => {
  if (!a) return "none";
  if (a.pendingDeprovision) return "pending_deprovision";
  if (a.status !== "active") return a.status;
  return a.licensed ? "active" : "unlicensed";
};

/** Directory documents one request reads at most, however sparse its filter. */
export const PICKER_SCAN_CAP = 5000;
const SCAN_BATCH = 200;

/**
 * A page of live directory users ordered by email (search = email prefix), with filters applied.
 * The OU and group filters run in memory over one ordered scan (no composite index per filter
 * combination, no extra fields on the snapshot), and a request reads at most `scanCap` documents: when
 * the cap cuts the scan short the page holds what was found so far, possibly nothing, and nextCursor
 * resumes the scan where it stopped. So nextCursor is null only once the directory has been read to its
 * end, and a client that follows it sees every match (Google's own list APIs may also return a short or
 * empty page with a next page token: AIP-158, https://google.aip.dev/158).
 */
export async function browseDirectory(
  db: Firestore,
  orgId: string,
  query: PickerQuery,
  { scanCap = PICKER_SCAN_CAP }: { scanCap?: number } = {},
): Promise<{ users: PickerEntry[]; nextCursor: string | null }> {
  if (!Number.isInteger(scanCap) || scanCap < 1) throw new RangeError("scanCap must be a positive integer");
  const q = query.q?.trim().toLowerCase();
  let memberIds: Set<string> | undefined;
  if (query.group) {
    const groups = await db
      .collection(`orgs/${orgId}/directoryGroups`)
      .where("email", "==", query.group.toLowerCase())
      .limit(1)
      .get();
    const group = SnapshotGroupSchema.safeParse(groups.docs[0]?.data());
    memberIds = new Set(group.success ? group.data.memberIds : []);
  }
  const matches = (u: SnapshotUser) =>
    !u.deleted &&
    (!query.ou ||
      u.orgUnitPath === query.ou ||
      u.orgUnitPath.startsWith(`${query.ou.replace(/\/+$/, "")}/`)) &&
    (!memberIds || memberIds.has(u.id));
  const found: SnapshotUser[] = [];
  let after = query.after;
  let exhausted = false;
  let scanned = 0;
  while (!exhausted && found.length <= query.limit && scanned < scanCap) {
    // The id breaks ties: a deleted user and a new one may share an email.
    let ref = db
      .collection(`orgs/${orgId}/directory`)
      .orderBy("primaryEmail")
      .orderBy(FieldPath.documentId());
    if (q) ref = ref.where("primaryEmail", ">=", q).where("primaryEmail", "<", `${q}\uf8ff`);
    if (after) ref = after.id ? ref.startAfter(after.email, after.id) : ref.startAfter(after.email);
    const batch = Math.min(SCAN_BATCH, scanCap - scanned);
    const snap = await ref.limit(batch).get();
    scanned += snap.size;
    for (const d of snap.docs) {
      // A stored user that no longer parses is left out of the listing (the next sync rewrites it).
      const u = SnapshotUserSchema.safeParse(d.data());
      if (u.success && matches(u.data)) found.push(u.data);
    }
    const last = snap.docs.at(-1);
    if (last && snap.size === batch) after = { email: String(last.get("primaryEmail") ?? ""), id: last.id };
    else exhausted = true;
  }
  const page = found.slice(0, query.limit);
  const lastShown = page.at(-1);
  // More matches than the page holds: the next page starts after the last one shown. Otherwise the next
  // page resumes the scan where the cap stopped it, and there is none once the scan read the last document.
  const next =
    found.length > query.limit && lastShown
      ? { email: lastShown.primaryEmail, id: lastShown.id }
      : exhausted
        ? undefined
        : after;
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
    nextCursor: next ? pickerCursor.encode(next) : null,
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
      const a = UserAccount.safeParse(d.data());
      if (a.success && !a.data.workspaceId) out.set(a.data.email, a.data);
    }
    for (const d of byId.docs) {
      const a = UserAccount.safeParse(d.data());
      if (a.success && a.data.workspaceId) out.set(a.data.workspaceId, a.data);
    }
  }
  return out;
}
