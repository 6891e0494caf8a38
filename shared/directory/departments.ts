// Departments mirror the chosen OUs or groups: orgs/{org}/departments/{id} with the accounts in each,
// rebuilt from the provisioned accounts after every full provisioning pass and written only when a
// department's content changed (so an unchanged reconcile writes nothing here).
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import type { UserAccount } from "../accounts";
import { jsonHash, type OpCounter } from "./directory-snapshot";

export interface Department {
  name: string;
  memberAccountIds: string[];
  hash: string;
}
/** What the mirror reads back; a department without a valid hash is simply rewritten. */
const StoredHash = z.object({ hash: z.string() });

/** Pure: department name → its active members (sorted), from the accounts provisioning manages. */
export function departmentsFrom(accounts: UserAccount[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of accounts) {
    if (a.managedBy !== "provisioning" || a.status !== "active" || !a.department) continue;
    out.set(a.department, [...(out.get(a.department) ?? []), a.id]);
  }
  for (const members of out.values()) members.sort();
  return out;
}

export async function mirrorDepartments(
  db: Firestore,
  orgId: string,
  accounts: UserAccount[],
  ops: OpCounter,
): Promise<number> {
  const collection = db.collection(`orgs/${orgId}/departments`);
  const current = await collection.get();
  ops.reads += Math.max(1, current.size);
  const stored = new Map(
    current.docs.map((d) => {
      const parsed = StoredHash.safeParse(d.data());
      return [d.id, parsed.success ? parsed.data.hash : undefined];
    }),
  );
  const batch = db.batch();
  let writes = 0;
  for (const [name, memberAccountIds] of departmentsFrom(accounts)) {
    const id = encodeURIComponent(name);
    const hash = jsonHash([name, memberAccountIds]);
    if (stored.get(id) !== hash) {
      batch.set(collection.doc(id), { name, memberAccountIds, hash } satisfies Department);
      writes++;
    }
    stored.delete(id);
  }
  for (const gone of stored.keys()) {
    batch.delete(collection.doc(gone));
    writes++;
  }
  if (writes > 0) await batch.commit();
  ops.writes += writes;
  return writes;
}
