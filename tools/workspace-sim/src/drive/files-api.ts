// files.list / files.get / permissions.list for Drive v3: corpora and shared-drive flags checked as
// Drive checks them, `q` evaluated against the caller's view, orderBy, page tokens, `fields`.
import { randomBytes } from "node:crypto";
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { ApiError, notFound } from "../errors";
import type { SimState } from "../state";
import { applyMask, FieldMaskError, type Mask, parseFieldMask, unknownFields } from "./fields";
import { evaluate, type Node, parseQuery, QueryError, type QueryFile } from "./query";
import {
  type Caller,
  callerOf,
  type DriveFile,
  type DriveWorld,
  discoverable,
  driveWorld,
  inUserCorpus,
  memberOfDrive,
  ROLE_RANK,
  roleOn,
  sharedWithMe,
  visibilityOf,
  webViewLink,
} from "./store";

const invalid = (message: string, location?: string) =>
  new ApiError({
    code: 400,
    status: "INVALID_ARGUMENT",
    message,
    reason: message === "Invalid Value" ? "invalid" : "invalidParameter",
    ...(location ? { infoMetadata: { location, locationType: "parameter" } } : {}),
  });

const DRIVE_FILE_SCOPE = "https://www.googleapis.com/auth/drive.file";
const BROAD_SCOPES = [
  "https://www.googleapis.com/auth/drive",
  "https://www.googleapis.com/auth/drive.readonly",
  "https://www.googleapis.com/auth/drive.metadata",
  "https://www.googleapis.com/auth/drive.metadata.readonly",
];

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalid("Invalid Value", name);
}

function displayName(state: SimState, email: string): string {
  const found = state.findUser(email);
  return found ? `${found.user.givenName} ${found.user.familyName}` : email.split("@")[0]!;
}

function permissionIdOf(f: DriveFile | undefined, email: string): string {
  const p = f?.permissions.find((x) => x.emailAddress === email);
  if (p) return p.id;
  return String(BigInt(`0x${Buffer.from(email).toString("hex").slice(0, 15) || "0"}`) % 10n ** 20n).padStart(
    20,
    "0",
  );
}

function driveUser(state: SimState, email: string, me: string, f?: DriveFile): Record<string, unknown> {
  return {
    kind: "drive#user",
    displayName: displayName(state, email),
    emailAddress: email,
    me: email === me,
    permissionId: permissionIdOf(f, email),
    photoLink: "https://lh3.googleusercontent.com/a/default-user=s64",
  };
}

export function renderFile(
  state: SimState,
  world: DriveWorld,
  f: DriveFile,
  who: Caller,
): Record<string, unknown> {
  const role = roleOn(world, f, who);
  const canShare = role !== undefined && ROLE_RANK[role] >= ROLE_RANK.writer;
  const out: Record<string, unknown> = {
    kind: "drive#file",
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    ...(f.description ? { description: f.description } : {}),
    starred: f.starredBy.has(who.email),
    trashed: f.trashed,
    explicitlyTrashed: f.trashed,
    parents: f.parents,
    spaces: ["drive"],
    version: String(f.modifiedTime % 1_000_000),
    webViewLink: webViewLink(f),
    iconLink: `https://drive-thirdparty.googleusercontent.com/16/type/${f.mimeType}`,
    hasThumbnail: false,
    viewedByMe: f.viewedBy.has(who.email),
    ...(f.viewedBy.has(who.email)
      ? { viewedByMeTime: new Date(f.viewedBy.get(who.email)!).toISOString() }
      : {}),
    createdTime: new Date(f.createdTime).toISOString(),
    modifiedTime: new Date(f.modifiedTime).toISOString(),
    modifiedByMe: f.lastModifyingUser === who.email,
    ...(f.ownerEmail ? { owners: [driveUser(state, f.ownerEmail, who.email, f)] } : {}),
    lastModifyingUser: driveUser(state, f.lastModifyingUser, who.email, f),
    shared: f.permissions.length > 0,
    ownedByMe: f.ownerEmail === who.email,
    ...(f.driveId ? { driveId: f.driveId, teamDriveId: f.driveId } : {}),
    capabilities: {
      canEdit: role !== undefined && ROLE_RANK[role] >= ROLE_RANK.writer,
      canComment: role !== undefined && ROLE_RANK[role] >= ROLE_RANK.commenter,
      canShare,
      canCopy: true,
      canDownload: true,
      canTrash: role !== undefined && ROLE_RANK[role] >= ROLE_RANK.writer,
    },
    viewersCanCopyContent: true,
    copyRequiresWriterPermission: false,
    writersCanShare: true,
    ...(f.size !== undefined
      ? { size: String(f.size), quotaBytesUsed: String(f.size) }
      : { quotaBytesUsed: "0" }),
  };
  const shareGrant = f.permissions.find(
    (p) =>
      (p.type === "user" && p.emailAddress === who.email) ||
      (p.type === "group" && p.emailAddress && who.groups.includes(p.emailAddress)),
  );
  if (sharedWithMe(f, who) && shareGrant) {
    out.sharedWithMeTime = new Date(shareGrant.grantedAt).toISOString();
    if (shareGrant.grantedBy) out.sharingUser = driveUser(state, shareGrant.grantedBy, who.email, f);
  }
  // Permissions are listed only for people who can share the file.
  if (canShare) {
    const perms = [
      ...(f.ownerEmail
        ? [
            {
              kind: "drive#permission",
              id: permissionIdOf(f, f.ownerEmail),
              type: "user",
              role: "owner",
              emailAddress: f.ownerEmail,
              displayName: displayName(state, f.ownerEmail),
            },
          ]
        : []),
      ...f.permissions.map((p) => renderPermission(state, p)),
    ];
    out.permissions = perms;
    out.permissionIds = perms.map((p) => p.id);
  }
  return out;
}

function renderPermission(state: SimState, p: DriveFile["permissions"][number]): Record<string, unknown> {
  return {
    kind: "drive#permission",
    id: p.id,
    type: p.type,
    role: p.role,
    ...(p.emailAddress
      ? { emailAddress: p.emailAddress, displayName: displayName(state, p.emailAddress) }
      : {}),
    ...(p.domain ? { domain: p.domain, displayName: p.domain } : {}),
    ...(p.allowFileDiscovery !== undefined ? { allowFileDiscovery: p.allowFileDiscovery } : {}),
  };
}

function queryView(f: DriveFile, who: Caller): QueryFile {
  const byRole = (roles: string[]) =>
    f.permissions.filter((p) => roles.includes(p.role) && p.emailAddress).map((p) => p.emailAddress!);
  return {
    name: f.name,
    mimeType: f.mimeType,
    description: f.description,
    owners: f.ownerEmail ? [f.ownerEmail] : [],
    writers: byRole(["writer", "fileOrganizer", "organizer"]),
    readers: byRole(["reader", "commenter"]),
    parents: f.parents,
    trashed: f.trashed,
    starred: f.starredBy.has(who.email),
    sharedWithMe: sharedWithMe(f, who),
    modifiedTime: f.modifiedTime,
    createdTime: f.createdTime,
    ...(f.viewedBy.has(who.email) ? { viewedByMeTime: f.viewedBy.get(who.email)! } : {}),
    visibility: visibilityOf(f),
  };
}

// ---- fields ------------------------------------------------------------------------------------------

const FILE_FIELDS = new Set([
  "kind",
  "id",
  "name",
  "mimeType",
  "description",
  "starred",
  "trashed",
  "explicitlyTrashed",
  "parents",
  "spaces",
  "version",
  "webViewLink",
  "iconLink",
  "hasThumbnail",
  "viewedByMe",
  "viewedByMeTime",
  "createdTime",
  "modifiedTime",
  "modifiedByMe",
  "modifiedByMeTime",
  "owners",
  "lastModifyingUser",
  "shared",
  "ownedByMe",
  "driveId",
  "teamDriveId",
  "capabilities",
  "viewersCanCopyContent",
  "copyRequiresWriterPermission",
  "writersCanShare",
  "permissions",
  "permissionIds",
  "size",
  "quotaBytesUsed",
  "sharedWithMeTime",
  "sharingUser",
  "fileExtension",
  "fullFileExtension",
  "md5Checksum",
  "headRevisionId",
  "thumbnailLink",
  "webContentLink",
  "properties",
  "appProperties",
  "folderColorRgb",
  "originalFilename",
  "resourceKey",
]);
const USER_FIELDS = new Set(["kind", "displayName", "emailAddress", "me", "permissionId", "photoLink"]);
const PERMISSION_FIELDS = new Set([
  "kind",
  "id",
  "type",
  "role",
  "emailAddress",
  "domain",
  "displayName",
  "allowFileDiscovery",
  "deleted",
  "pendingOwner",
  "photoLink",
  "expirationTime",
  "permissionDetails",
  "view",
]);
const LIST_FIELDS = new Set(["kind", "nextPageToken", "incompleteSearch", "files"]);

function fileKnown(path: string[]): Set<string> | undefined {
  const last = path[path.length - 1];
  if (last === undefined) return FILE_FIELDS;
  if (last === "owners" || last === "lastModifyingUser" || last === "sharingUser") return USER_FIELDS;
  if (last === "permissions") return PERMISSION_FIELDS;
  return undefined;
}

function parseFields(raw: string | null, list: boolean): Mask | undefined {
  if (raw === null || raw === "") return undefined;
  let mask: Mask;
  try {
    mask = parseFieldMask(raw);
  } catch (err) {
    if (err instanceof FieldMaskError) throw invalid(`Invalid field selection ${raw}`, "fields");
    throw err;
  }
  const bad = list
    ? unknownFields(mask, (path) =>
        path.length === 0 ? LIST_FIELDS : path[0] === "files" ? fileKnown(path.slice(1)) : undefined,
      )
    : unknownFields(mask, fileKnown);
  if (bad.length > 0) throw invalid(`Invalid field selection ${bad[0]}`, "fields");
  return mask;
}

const DEFAULT_FILE = (f: Record<string, unknown>) => ({
  kind: f.kind,
  id: f.id,
  name: f.name,
  mimeType: f.mimeType,
});

// ---- orderBy --------------------------------------------------------------------------------------------

type Sorter = (a: DriveFile, b: DriveFile) => number;

function parseOrderBy(raw: string | null, who: Caller): Sorter | undefined {
  if (!raw) return undefined;
  const keys: Sorter[] = raw.split(",").map((part) => {
    const [key, dir, extra] = part.trim().split(/\s+/);
    if (extra !== undefined || (dir !== undefined && dir !== "desc" && dir !== "asc"))
      throw invalid("Invalid Value", "orderBy");
    const sign = dir === "desc" ? -1 : 1;
    const by =
      (fn: (f: DriveFile) => number | string): Sorter =>
      (a, b) => {
        const x = fn(a);
        const y = fn(b);
        return (x < y ? -1 : x > y ? 1 : 0) * sign;
      };
    switch (key) {
      case "name":
      case "name_natural":
        return by((f) => f.name.toLowerCase());
      case "modifiedTime":
      case "recency":
        return by((f) => f.modifiedTime);
      case "createdTime":
        return by((f) => f.createdTime);
      case "folder":
        return by((f) => (f.mimeType === "application/vnd.google-apps.folder" ? 0 : 1));
      case "starred":
        return by((f) => (f.starredBy.has(who.email) ? 0 : 1));
      case "viewedByMeTime":
        return by((f) => f.viewedBy.get(who.email) ?? 0);
      case "modifiedByMeTime":
        return by((f) => (f.lastModifyingUser === who.email ? f.modifiedTime : 0));
      case "sharedWithMeTime":
        return by((f) => f.permissions.find((p) => p.emailAddress === who.email)?.grantedAt ?? 0);
      case "quotaBytesUsed":
        return by((f) => f.size ?? 0);
      default:
        throw invalid("Invalid Value", "orderBy");
    }
  });
  return (a, b) => {
    for (const k of keys) {
      const r = k(a, b);
      if (r !== 0) return r;
    }
    return 0;
  };
}

// ---- files.list ------------------------------------------------------------------------------------------

interface Page {
  owner: string;
  ids: string[];
  offset: number;
  paramsKey: string;
}

const pagesBySim = new WeakMap<SimState, Map<string, Page>>();
function pages(state: SimState): Map<string, Page> {
  let p = pagesBySim.get(state);
  if (!p) {
    p = new Map();
    pagesBySim.set(state, p);
  }
  return p;
}

function caller(ctx: ApiContext): Caller {
  const { user } = callerUser(ctx);
  return callerOf(ctx.state, user.primaryEmail);
}

export function listFiles(ctx: ApiContext): ApiResult {
  const { state } = ctx;
  const world = driveWorld(state);
  const who = caller(ctx);
  const q = ctx.url.searchParams;

  const supportsAllDrives = boolParam(q, "supportsAllDrives") || boolParam(q, "supportsTeamDrives");
  const includeAll = boolParam(q, "includeItemsFromAllDrives") || boolParam(q, "includeTeamDriveItems");
  const corpora = q.get("corpora") ?? (q.get("corpus") === "domain" ? "domain" : "user");
  const driveId = q.get("driveId") ?? q.get("teamDriveId");
  if (!["user", "domain", "drive", "allDrives"].includes(corpora)) throw invalid("Invalid Value", "corpora");
  if (includeAll && !supportsAllDrives) {
    throw invalid(
      "The includeItemsFromAllDrives parameter can only be set to true when supportsAllDrives is also set to true.",
      "includeItemsFromAllDrives",
    );
  }
  if ((corpora === "drive") !== (driveId !== null)) {
    throw invalid(
      "The driveId parameter must be specified if and only if corpora is set to drive.",
      "driveId",
    );
  }
  if ((corpora === "drive" || corpora === "allDrives") && !includeAll) {
    throw invalid(
      "The includeItemsFromAllDrives parameter must be set to true when corpora is set to drive or allDrives.",
      "includeItemsFromAllDrives",
    );
  }
  if (driveId !== null && !world.drives.has(driveId))
    throw notFound(`Shared drive not found: ${driveId}`, "notFound");

  const pageSizeRaw = q.get("pageSize");
  let pageSize = 100;
  if (pageSizeRaw !== null) {
    pageSize = Number(pageSizeRaw);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw invalid(`Invalid value '${pageSizeRaw}'. Values must be within the range: [1, 1000]`, "pageSize");
    }
  }
  const mask = parseFields(q.get("fields"), true);
  const paramsKey = JSON.stringify([q.get("q"), corpora, driveId, includeAll, q.get("orderBy")]);
  const pageToken = q.get("pageToken");
  let ids: string[];
  let offset = 0;
  if (pageToken) {
    const page = pages(state).get(pageToken);
    if (!page || page.owner !== who.email || page.paramsKey !== paramsKey)
      throw invalid("Invalid Value", "pageToken");
    ids = page.ids;
    offset = page.offset;
  } else {
    let node: Node | undefined;
    const raw = q.get("q");
    if (raw !== null && raw.trim() !== "") {
      try {
        node = parseQuery(raw);
      } catch (err) {
        if (err instanceof QueryError) throw invalid("Invalid Value", "q");
        throw err;
      }
    }
    const onlyAppFiles =
      !ctx.caller!.token.scopes.some((s) => BROAD_SCOPES.includes(s)) &&
      ctx.caller!.token.scopes.includes(DRIVE_FILE_SCOPE);
    const inCorpus = (f: DriveFile): boolean => {
      if (f.driveId) {
        if (!includeAll) return false;
        if (corpora === "drive") return f.driveId === driveId && memberOfDrive(world, f.driveId, who);
        if (corpora === "allDrives") return memberOfDrive(world, f.driveId, who);
        return false;
      }
      if (corpora === "drive") return false;
      if (inUserCorpus(f, who)) return true;
      return (corpora === "domain" || corpora === "allDrives") && discoverable(f, who);
    };
    const matched: DriveFile[] = [];
    for (const f of world.files.values()) {
      if (!inCorpus(f) || roleOn(world, f, who) === undefined) continue;
      if (onlyAppFiles && f.createdByClient !== ctx.caller!.token.clientId) continue;
      if (node && !evaluate(node, queryView(f, who), who.email)) continue;
      matched.push(f);
    }
    const sorter = parseOrderBy(q.get("orderBy"), who);
    matched.sort(sorter ?? ((a, b) => a.createdTime - b.createdTime || a.id.localeCompare(b.id)));
    ids = matched.map((f) => f.id);
  }
  const slice = ids.slice(offset, offset + pageSize);
  const files = slice
    .map((id) => world.files.get(id))
    .filter((f): f is DriveFile => f !== undefined)
    .map((f) => renderFile(state, world, f, who));
  const body: Record<string, unknown> = { kind: "drive#fileList", incompleteSearch: false };
  if (offset + pageSize < ids.length) {
    const token = randomBytes(24).toString("base64url");
    pages(state).set(token, { owner: who.email, ids, offset: offset + pageSize, paramsKey });
    body.nextPageToken = token;
  }
  body.files = files;
  if (!mask) return { json: { ...body, files: files.map(DEFAULT_FILE) } };
  return { json: applyMask(body, mask) };
}

export function getFile(ctx: ApiContext): ApiResult {
  const { state } = ctx;
  const world = driveWorld(state);
  const who = caller(ctx);
  const q = ctx.url.searchParams;
  const f = world.files.get(ctx.params.fileId!);
  if (
    !f ||
    roleOn(world, f, who) === undefined ||
    (f.driveId && !boolParam(q, "supportsAllDrives") && !boolParam(q, "supportsTeamDrives"))
  ) {
    throw notFound(`File not found: ${ctx.params.fileId}.`, "notFound");
  }
  const mask = parseFields(q.get("fields"), false);
  const json = renderFile(state, world, f, who);
  return { json: mask ? applyMask(json, mask) : DEFAULT_FILE(json) };
}

export function listPermissions(ctx: ApiContext): ApiResult {
  const { state } = ctx;
  const world = driveWorld(state);
  const who = caller(ctx);
  const f = world.files.get(ctx.params.fileId!);
  const role = f ? roleOn(world, f, who) : undefined;
  if (!f || role === undefined) throw notFound(`File not found: ${ctx.params.fileId}.`, "notFound");
  if (ROLE_RANK[role] < ROLE_RANK.writer) {
    throw new ApiError({
      code: 403,
      status: "PERMISSION_DENIED",
      message: "The user does not have sufficient permissions for this file.",
      reason: "insufficientFilePermissions",
    });
  }
  const rendered = renderFile(state, world, f, who);
  return { json: { kind: "drive#permissionList", permissions: rendered.permissions } };
}
