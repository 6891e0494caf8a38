// The pure heart of directory write-back: what Switchboard wants on a Workspace profile (its own phone
// entries, and optionally name and department), merged three ways against what Google holds now and
// what both sides last agreed on. Switchboard's change is written only where Google still holds the
// agreed value; where Google changed the field too, Google's newer value wins and a conflict is reported.
import type {
  ProfileUpdate,
  WorkspaceOrganization,
  WorkspacePhone,
  WorkspaceProfile,
} from "../../google/directory-profile-api";

/** Switchboard's entries carry these custom types, so the admin's and the user's own numbers are never touched. */
export const DIRECT_NUMBER_LABEL = "Switchboard";
export const EXTENSION_LABEL = "Switchboard extension";

export const isSwitchboardPhone = (p: {
  type?: string | null | undefined;
  customType?: string | null | undefined;
}): boolean =>
  p.type === "custom" && (p.customType === DIRECT_NUMBER_LABEL || p.customType === EXTENSION_LABEL);

export interface NumberAssignment {
  /** E.164. */
  directNumber: string | null;
  extension: string | null;
}

export interface PersonName {
  givenName: string;
  familyName: string;
}

/** What Switchboard wants Google to show; name and department only where the org writes them back. */
export interface DesiredProfile {
  phones: WorkspacePhone[];
  name?: PersonName;
  department?: string | null;
}

/** The values both sides last agreed on (written by us, or accepted from Google). */
export interface AgreedProfile {
  phones?: WorkspacePhone[] | undefined;
  name?: PersonName | undefined;
  department?: string | null | undefined;
}

export type WriteBackField = "phones" | "name" | "department";

export interface WriteBackConflict {
  field: WriteBackField;
  google: unknown;
  switchboard: unknown;
}

export interface MergeResult {
  /** Fields to send with users.update; empty when Google already shows everything. */
  update: ProfileUpdate;
  /** The agreed values after this merge (and the write, if any). */
  agreed: AgreedProfile;
  conflicts: WriteBackConflict[];
}

export function switchboardPhones(numbers: NumberAssignment): WorkspacePhone[] {
  const phones: WorkspacePhone[] = [];
  if (numbers.directNumber)
    phones.push({ value: numbers.directNumber, type: "custom", customType: DIRECT_NUMBER_LABEL });
  if (numbers.extension)
    phones.push({ value: numbers.extension, type: "custom", customType: EXTENSION_LABEL });
  return phones;
}

const phoneKey = (phones: WorkspacePhone[]): string =>
  JSON.stringify(phones.map((p) => [p.customType ?? p.type, p.value.replace(/\s+/g, "")]).sort());

const sameName = (a: PersonName | undefined, b: PersonName | undefined): boolean =>
  a?.givenName === b?.givenName && a?.familyName === b?.familyName;

const norm = (d: string | null | undefined): string => (d ?? "").trim();

/** The primary organization's department, as Workspace shows it. */
export const primaryOrgDepartment = (orgs: WorkspaceOrganization[]): string | null =>
  (orgs.find((o) => o.primary) ?? orgs[0])?.department ?? null;

function withDepartment(orgs: WorkspaceOrganization[], department: string | null): WorkspaceOrganization[] {
  const index = Math.max(
    0,
    orgs.findIndex((o) => o.primary),
  );
  if (orgs.length === 0) return department ? [{ type: "work", primary: true, department }] : [];
  return orgs.map((o, i) => {
    if (i !== index) return o;
    const { department: _old, ...rest } = o;
    return department ? { ...rest, department } : rest;
  });
}

/**
 * One field, three ways. `base` undefined means nothing was agreed yet: Google's value counts as the
 * base, so Switchboard's first change is written (for phones, Switchboard's entries start empty).
 */
function mergeField<T>(
  google: T,
  desired: T,
  base: T | undefined,
  same: (a: T, b: T) => boolean,
): { write: boolean; agreed: T; conflict: boolean } {
  if (same(google, desired)) return { write: false, agreed: google, conflict: false };
  if (base === undefined || same(google, base)) return { write: true, agreed: desired, conflict: false };
  return { write: false, agreed: google, conflict: true };
}

export function mergeProfile(
  google: WorkspaceProfile,
  desired: DesiredProfile,
  agreed: AgreedProfile,
): MergeResult {
  const update: ProfileUpdate = {};
  const next: AgreedProfile = {};
  const conflicts: WriteBackConflict[] = [];

  const googleOwned = google.phones.filter(isSwitchboardPhone);
  const phones = mergeField(
    googleOwned,
    desired.phones,
    agreed.phones ?? [],
    (a, b) => phoneKey(a) === phoneKey(b),
  );
  next.phones = phones.agreed;
  // The array is replaced whole: everyone else's entries go back exactly as Google holds them.
  if (phones.write)
    update.phones = [...google.phones.filter((p) => !isSwitchboardPhone(p)), ...desired.phones];
  if (phones.conflict) conflicts.push({ field: "phones", google: googleOwned, switchboard: desired.phones });

  if (desired.name) {
    const googleName = { givenName: google.givenName, familyName: google.familyName };
    const name = mergeField<PersonName>(googleName, desired.name, agreed.name, sameName);
    next.name = name.agreed;
    if (name.write) update.name = desired.name;
    if (name.conflict) conflicts.push({ field: "name", google: googleName, switchboard: desired.name });
  }

  if (desired.department !== undefined) {
    const googleDept = primaryOrgDepartment(google.organizations);
    const dept = mergeField<string | null>(
      googleDept,
      desired.department,
      agreed.department,
      (a, b) => norm(a) === norm(b),
    );
    next.department = dept.agreed;
    if (dept.write) update.organizations = withDepartment(google.organizations, desired.department);
    if (dept.conflict)
      conflicts.push({ field: "department", google: googleDept, switchboard: desired.department });
  }
  return { update, agreed: next, conflicts };
}

export const hasWrites = (update: ProfileUpdate): boolean => Object.keys(update).length > 0;
