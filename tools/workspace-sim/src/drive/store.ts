// Drive files, shared drives and permissions, plus the caller's view of them: which role a person
// has on a file (owner, user/group/domain/anyone permissions, shared-drive membership) and which
// files they find in a search (discoverable domain/anyone links only when allowFileDiscovery).
import { randomBytes } from "node:crypto";
import type { SimState } from "../state";

export type Role = "owner" | "organizer" | "fileOrganizer" | "writer" | "commenter" | "reader";
export const ROLE_RANK: Record<Role, number> = {
  reader: 1,
  commenter: 2,
  writer: 3,
  fileOrganizer: 4,
  organizer: 5,
  owner: 6,
};

export interface Permission {
  id: string;
  type: "user" | "group" | "domain" | "anyone";
  role: Role;
  emailAddress?: string;
  domain?: string;
  allowFileDiscovery?: boolean;
  /** Sim time the permission was granted (sharedWithMeTime). */
  grantedAt: number;
  grantedBy?: string;
}

export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  description: string;
  /** Absent for files in a shared drive. */
  ownerEmail?: string;
  driveId?: string;
  parents: string[];
  permissions: Permission[];
  createdTime: number;
  modifiedTime: number;
  lastModifyingUser: string;
  trashed: boolean;
  starredBy: Set<string>;
  viewedBy: Map<string, number>;
  size?: number;
  /** Set when created through the API by an OAuth client (drive.file scope). */
  createdByClient?: string;
}

export interface SharedDrive {
  id: string;
  name: string;
  members: Array<{ type: "user" | "group" | "domain"; value: string; role: Role }>;
}

export interface DriveWorld {
  files: Map<string, DriveFile>;
  drives: Map<string, SharedDrive>;
}

const worlds = new WeakMap<SimState, DriveWorld>();

export function driveWorld(state: SimState): DriveWorld {
  let w = worlds.get(state);
  if (!w) {
    w = { files: new Map(), drives: new Map() };
    worlds.set(state, w);
  }
  return w;
}

export function resetDrive(state: SimState): void {
  worlds.delete(state);
}

export const MIME = {
  doc: "application/vnd.google-apps.document",
  sheet: "application/vnd.google-apps.spreadsheet",
  slides: "application/vnd.google-apps.presentation",
  folder: "application/vnd.google-apps.folder",
  pdf: "application/pdf",
} as const;

/** Drive ids: 33 characters of base64url starting with 1. */
export function newFileId(): string {
  return `1${randomBytes(30).toString("base64url").slice(0, 32)}`;
}

export function newPermissionId(): string {
  return String(BigInt(`0x${randomBytes(8).toString("hex")}`) % 10n ** 20n).padStart(20, "0");
}

export function webViewLink(f: Pick<DriveFile, "id" | "mimeType">): string {
  switch (f.mimeType) {
    case MIME.doc:
      return `https://docs.google.com/document/d/${f.id}/edit?usp=drivesdk`;
    case MIME.sheet:
      return `https://docs.google.com/spreadsheets/d/${f.id}/edit?usp=drivesdk`;
    case MIME.slides:
      return `https://docs.google.com/presentation/d/${f.id}/edit?usp=drivesdk`;
    case MIME.folder:
      return `https://drive.google.com/drive/folders/${f.id}`;
    default:
      return `https://drive.google.com/file/d/${f.id}/view?usp=drivesdk`;
  }
}

export interface Caller {
  email: string;
  domain: string;
  groups: string[];
}

export function callerOf(state: SimState, email: string): Caller {
  const lower = email.toLowerCase();
  const found = state.findUser(lower);
  return {
    email: lower,
    domain: lower.split("@")[1] ?? "",
    groups: found ? found.org.directory.groupsOf(found.user.primaryEmail) : [],
  };
}

function permissionMatches(p: Permission, who: Caller): boolean {
  switch (p.type) {
    case "user":
      return p.emailAddress === who.email;
    case "group":
      return p.emailAddress !== undefined && who.groups.includes(p.emailAddress);
    case "domain":
      return p.domain === who.domain;
    case "anyone":
      return true;
  }
}

/** The caller's role on a file (undefined: no access at all). */
export function roleOn(world: DriveWorld, f: DriveFile, who: Caller): Role | undefined {
  let best: Role | undefined;
  const consider = (r: Role) => {
    if (!best || ROLE_RANK[r] > ROLE_RANK[best]) best = r;
  };
  if (f.ownerEmail === who.email) consider("owner");
  for (const p of f.permissions) if (permissionMatches(p, who)) consider(p.role);
  if (f.driveId) {
    const drive = world.drives.get(f.driveId);
    for (const m of drive?.members ?? []) {
      const v = m.value.toLowerCase();
      if (
        (m.type === "user" && v === who.email) ||
        (m.type === "group" && who.groups.includes(v)) ||
        (m.type === "domain" && v === who.domain)
      ) {
        consider(m.role);
      }
    }
  }
  return best;
}

/** Shared with the caller directly (a user or group permission), not owned by them. */
export function sharedWithMe(f: DriveFile, who: Caller): boolean {
  if (f.ownerEmail === who.email || f.driveId) return false;
  return f.permissions.some((p) => (p.type === "user" || p.type === "group") && permissionMatches(p, who));
}

/** Files in the "user" corpus: owned by or shared directly with the caller. */
export function inUserCorpus(f: DriveFile, who: Caller): boolean {
  return !f.driveId && (f.ownerEmail === who.email || sharedWithMe(f, who));
}

/** Discoverable through the caller's domain (or by anyone) without a direct share. */
export function discoverable(f: DriveFile, who: Caller): boolean {
  return f.permissions.some(
    (p) =>
      p.allowFileDiscovery === true &&
      ((p.type === "domain" && p.domain === who.domain) || p.type === "anyone"),
  );
}

export function memberOfDrive(world: DriveWorld, driveId: string, who: Caller): boolean {
  const drive = world.drives.get(driveId);
  return (
    drive?.members.some((m) => {
      const v = m.value.toLowerCase();
      return (
        (m.type === "user" && v === who.email) ||
        (m.type === "group" && who.groups.includes(v)) ||
        (m.type === "domain" && v === who.domain)
      );
    }) ?? false
  );
}

export function visibilityOf(f: DriveFile): string {
  if (f.permissions.some((p) => p.type === "anyone")) {
    return f.permissions.some((p) => p.type === "anyone" && p.allowFileDiscovery)
      ? "anyoneCanFind"
      : "anyoneWithLink";
  }
  if (f.permissions.some((p) => p.type === "domain")) {
    return f.permissions.some((p) => p.type === "domain" && p.allowFileDiscovery)
      ? "domainCanFind"
      : "domainWithLink";
  }
  return "limited";
}
