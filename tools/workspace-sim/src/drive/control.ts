// The Drive part of the control API: create files, share them (user, group, domain, anyone), edit,
// trash, and shared drives, as people do in Drive. `sim.control.drive`, HTTP under /_sim/drive/….
import { randomBytes } from "node:crypto";
import type { SimState } from "../state";
import { renderFile } from "./files-api";
import { type DriveSettings, driveSettings } from "./routes";
import {
  callerOf,
  type DriveFile,
  driveWorld,
  MIME,
  newFileId,
  newPermissionId,
  type Permission,
  type Role,
  resetDrive,
  type SharedDrive,
} from "./store";

export type FileKind = keyof typeof MIME;

export interface NewFile {
  name: string;
  /** "doc" | "sheet" | "slides" | "pdf" | "folder", or a MIME type. */
  kind?: FileKind | string;
  owner?: string;
  /** Put the file in a shared drive instead of someone's My Drive. */
  driveId?: string;
  description?: string;
  createdTime?: string | number;
  modifiedTime?: string | number;
  lastModifyingUser?: string;
  trashed?: boolean;
  size?: number;
  parents?: string[];
  shares?: ShareInput[];
  starredBy?: string[];
}

export interface ShareInput {
  type?: Permission["type"];
  /** User or group email (type user/group). */
  email?: string;
  domain?: string;
  role: Exclude<Role, "owner">;
  allowFileDiscovery?: boolean;
  /** Who shared it (sharingUser); default the owner. */
  by?: string;
  at?: string | number;
}

export class DriveControl {
  constructor(private readonly state: SimState) {}

  configure(patch: Partial<DriveSettings>): DriveSettings {
    Object.assign(driveSettings(this.state), patch);
    return { ...driveSettings(this.state) };
  }

  private file(id: string): DriveFile {
    const f = driveWorld(this.state).files.get(id);
    if (!f) throw new Error(`no file ${id}`);
    return f;
  }

  createFile(input: NewFile): Record<string, unknown> {
    const now = this.state.now();
    const time = (v: string | number | undefined) =>
      v === undefined ? now : typeof v === "number" ? v : Date.parse(v);
    const mimeType = input.kind ? (MIME[input.kind as FileKind] ?? input.kind) : MIME.doc;
    if (!input.owner && !input.driveId) throw new Error("a file needs an owner or a shared drive");
    if (input.driveId && !driveWorld(this.state).drives.has(input.driveId))
      throw new Error(`no shared drive ${input.driveId}`);
    const owner = input.owner?.toLowerCase();
    const f: DriveFile = {
      id: newFileId(),
      name: input.name,
      mimeType,
      description: input.description ?? "",
      ...(owner && !input.driveId ? { ownerEmail: owner } : {}),
      ...(input.driveId ? { driveId: input.driveId } : {}),
      parents: input.parents ?? [input.driveId ?? `0A${randomBytes(8).toString("hex")}Uk9PVA`],
      permissions: [],
      createdTime: time(input.createdTime),
      modifiedTime: time(input.modifiedTime ?? input.createdTime),
      lastModifyingUser: (input.lastModifyingUser ?? owner ?? "").toLowerCase(),
      trashed: input.trashed ?? false,
      starredBy: new Set((input.starredBy ?? []).map((e) => e.toLowerCase())),
      viewedBy: new Map(owner ? [[owner, time(input.modifiedTime ?? input.createdTime)]] : []),
      ...(input.size !== undefined
        ? { size: input.size }
        : mimeType === MIME.pdf
          ? { size: 180_000 + ((input.name.length * 7919) % 900_000) }
          : {}),
    };
    driveWorld(this.state).files.set(f.id, f);
    for (const s of input.shares ?? []) this.addPermission(f, s, owner);
    return this.view(f, owner ?? f.lastModifyingUser);
  }

  private addPermission(f: DriveFile, s: ShareInput, defaultBy: string | undefined): Permission {
    const type = s.type ?? (s.domain ? "domain" : s.email ? "user" : "anyone");
    const email = s.email?.toLowerCase();
    const existing = f.permissions.find(
      (p) => p.type === type && p.emailAddress === email && p.domain === s.domain,
    );
    if (existing) {
      existing.role = s.role;
      return existing;
    }
    const p: Permission = {
      id: type === "anyone" ? (s.allowFileDiscovery ? "anyone" : "anyoneWithLink") : newPermissionId(),
      type,
      role: s.role,
      ...(email ? { emailAddress: email } : {}),
      ...(s.domain ? { domain: s.domain.toLowerCase() } : {}),
      ...(type === "domain" || type === "anyone"
        ? { allowFileDiscovery: s.allowFileDiscovery ?? false }
        : {}),
      grantedAt: s.at === undefined ? this.state.now() : typeof s.at === "number" ? s.at : Date.parse(s.at),
      ...((s.by ?? defaultBy) ? { grantedBy: (s.by ?? defaultBy)!.toLowerCase() } : {}),
    };
    f.permissions.push(p);
    return p;
  }

  /** Shares a file as its owner would ("Share" dialog). */
  share(fileId: string, share: ShareInput): Record<string, unknown> {
    const f = this.file(fileId);
    const p = this.addPermission(f, share, f.ownerEmail);
    return {
      id: p.id,
      type: p.type,
      role: p.role,
      ...(p.emailAddress ? { emailAddress: p.emailAddress } : {}),
      ...(p.domain ? { domain: p.domain } : {}),
    };
  }

  unshare(fileId: string, who: { email?: string; domain?: string; type?: Permission["type"] }): void {
    const f = this.file(fileId);
    const email = who.email?.toLowerCase();
    f.permissions = f.permissions.filter(
      (p) =>
        !(
          (email && p.emailAddress === email) ||
          (who.domain && p.domain === who.domain) ||
          (who.type === "anyone" && p.type === "anyone")
        ),
    );
  }

  /** Someone edits the file: modifiedTime and lastModifyingUser change. */
  editFile(
    fileId: string,
    by: string,
    changes: { name?: string; description?: string } = {},
  ): Record<string, unknown> {
    const f = this.file(fileId);
    if (changes.name) f.name = changes.name;
    if (changes.description !== undefined) f.description = changes.description;
    f.modifiedTime = this.state.now();
    f.lastModifyingUser = by.toLowerCase();
    f.viewedBy.set(by.toLowerCase(), f.modifiedTime);
    return this.view(f, by);
  }

  trashFile(fileId: string, trashed = true): void {
    this.file(fileId).trashed = trashed;
  }

  createSharedDrive(name: string, members: SharedDrive["members"]): { id: string } {
    const id = `0A${randomBytes(9).toString("base64url")}Uk9PVA`;
    driveWorld(this.state).drives.set(id, {
      id,
      name,
      members: members.map((m) => ({ ...m, value: m.value.toLowerCase() })),
    });
    return { id };
  }

  /** Files as `user` sees them in the API (full resource). */
  files(user: string): Record<string, unknown>[] {
    const who = callerOf(this.state, user);
    return [...driveWorld(this.state).files.values()]
      .map((f) => renderFile(this.state, driveWorld(this.state), f, who))
      .filter((f) => f.ownedByMe || f.sharedWithMeTime || f.driveId);
  }

  private view(f: DriveFile, user: string): Record<string, unknown> {
    return renderFile(this.state, driveWorld(this.state), f, callerOf(this.state, user));
  }

  reset(): void {
    resetDrive(this.state);
  }
}

const controls = new WeakMap<SimState, DriveControl>();

export function driveControl(state: SimState): DriveControl {
  let c = controls.get(state);
  if (!c) {
    c = new DriveControl(state);
    controls.set(state, c);
  }
  return c;
}
