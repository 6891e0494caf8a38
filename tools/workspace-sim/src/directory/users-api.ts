// users.list / get / insert / update / patch / delete / makeAdmin of the Admin SDK Directory API.
// Reading write bodies (patch semantics, repeated fields, If-Match) is in user-write.ts.
import type { ApiContext, ApiResult } from "../api";
import { callerUser } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import type { Org } from "../state";
import {
  notAuthorized,
  parseMaxResults,
  requireAdmin,
  requireAdminReader,
  requireCustomerOrDomain,
} from "./access";
import type { DirectoryUser, SortKey } from "./directory-store";
import { userJson } from "./user-json";
import { parseUserQuery } from "./user-query";
import {
  checkIfMatch,
  duplicate,
  parseName,
  parseOrganizations,
  parsePhones,
  userChanges,
} from "./user-write";

const ORDER_BY: Record<string, SortKey> = {
  email: "email",
  givenName: "givenName",
  familyName: "familyName",
};

export function listUsers(ctx: ApiContext): ApiResult {
  const q = ctx.url.searchParams;
  const view = q.get("viewType") === "domain_public" ? "domain_public" : "admin_view";
  const { org } = view === "domain_public" ? callerUser(ctx) : requireAdmin(ctx);
  requireCustomerOrDomain(ctx, org);
  const maxResults = parseMaxResults(q.get("maxResults"), 500, 100);
  const { state } = ctx;
  const now = state.now();
  const pageToken = q.get("pageToken");
  let ids: string[];
  let offset = 0;
  let createdAt = now;
  if (pageToken) {
    const cursor = state.cursors.page(pageToken);
    if (cursor?.kind !== "users" || cursor.owner !== org.id)
      throw invalidArgument("Invalid Input: pageToken", "invalid");
    if (now >= cursor.createdAt + state.settings.directory.pageTokenLifetimeMs)
      throw invalidArgument("Page token expired.", "invalid");
    ids = cursor.ids;
    offset = cursor.offset;
    createdAt = cursor.createdAt;
  } else {
    const orderBy = q.get("orderBy");
    if (orderBy !== null && !ORDER_BY[orderBy])
      throw invalidArgument(`Invalid value at 'order_by': ${orderBy}`, "invalid");
    const matches = parseUserQuery(q.get("query"));
    const showDeleted = q.get("showDeleted") === "true";
    const retention = state.settings.directory.deletedUserRetentionMs;
    // showDeleted=true lists only the deleted users (still restorable); otherwise only live ones.
    const visible = (u: DirectoryUser) =>
      showDeleted
        ? u.deletionTime !== undefined && now < u.deletionTime + retention
        : u.deletionTime === undefined;
    ids = [];
    for (const u of org.directory.sortedUsers(ORDER_BY[orderBy ?? "email"] ?? "email")) {
      if (visible(u) && matches(u)) ids.push(u.id);
    }
    if (q.get("sortOrder") === "DESCENDING") ids.reverse();
  }
  const end = Math.min(offset + maxResults, ids.length);
  const users: Record<string, unknown>[] = [];
  for (let i = offset; i < end; i++) {
    const u = org.directory.users.get(ids[i]!);
    if (u) users.push(userJson(org, u, view));
  }
  const body: Record<string, unknown> = {
    kind: "admin#directory#users",
    etag: `"${org.id}-${org.directory.log.currentSeq}"`,
  };
  if (users.length > 0) body.users = users;
  if (end < ids.length) {
    body.nextPageToken = state.cursors.savePage({
      kind: "users",
      owner: org.id,
      paramsKey: "",
      ids,
      offset: end,
      createdAt,
    });
  }
  return { json: body };
}

export function getUser(ctx: ApiContext): ApiResult {
  const q = ctx.url.searchParams;
  const view = q.get("viewType") === "domain_public" ? "domain_public" : "admin_view";
  const { org } = view === "domain_public" ? callerUser(ctx) : requireAdminReader(ctx);
  const key = ctx.params.userKey ?? "";
  const user = findLiveUser(org, key);
  // A user still being created is not found by id yet (by primary email it is).
  if (!key.includes("@") && creationPending(ctx, org, user)) throw notFound("Resource Not Found: userKey");
  return { json: userJson(org, user, view) };
}

export async function insertUser(ctx: ApiContext): Promise<ApiResult> {
  const { org } = requireAdmin(ctx);
  const body = await ctx.jsonBody();
  const email = String(body.primaryEmail ?? "").toLowerCase();
  if (!email.includes("@")) throw invalidArgument("Invalid Input: primary_user_email", "invalid");
  if (email.split("@")[1] !== org.domain) throw invalidArgument("Domain not found.", "notFound");
  const name = parseName(body.name, "insert");
  if (typeof body.password !== "string" || body.password.length < 8)
    throw invalidArgument("Invalid Password", "invalid");
  const phones = parsePhones(body.phones, "insert") ?? [];
  const organizations = parseOrganizations(body.organizations, "insert") ?? [];
  if (org.directory.findUser(email)) throw duplicate();
  const user = org.directory.addUser({
    primaryEmail: email,
    givenName: name.givenName!,
    familyName: name.familyName!,
    phones,
    organizations,
    orgUnitPath: typeof body.orgUnitPath === "string" ? body.orgUnitPath : "/",
    suspended: body.suspended === true,
    archived: false,
    isAdmin: false,
    creationTime: ctx.state.now(),
  });
  org.directory.recentInserts.set(user.id, ctx.state.now());
  return { json: userJson(org, user) };
}

/** users.update (PUT): patch semantics; null or [] clears a repeated field. */
export const updateUser = (ctx: ApiContext) => writeUser(ctx, "update");

/** users.patch (PATCH): patch semantics, but null or [] cannot clear a repeated field. */
export const patchUser = (ctx: ApiContext) => writeUser(ctx, "patch");

async function writeUser(ctx: ApiContext, mode: "update" | "patch"): Promise<ApiResult> {
  const { org } = requireAdmin(ctx);
  const user = findLiveUser(org, ctx.params.userKey ?? "");
  checkCreationComplete(ctx, org, user);
  checkRenameSettled(ctx, org, user);
  // Google documents no precondition on users.update/patch: by default If-Match is ignored and the
  // last write wins (the harsher reading); "enforced" answers 412 to a stale etag.
  if (ctx.state.settings.directory.ifMatch === "enforced") checkIfMatch(ctx, user);
  const changes = userChanges(org, user, await ctx.jsonBody(), mode);
  // A write that changes nothing keeps the etag and notifies no watch channel.
  if (Object.keys(changes).length === 0) return { json: userJson(org, user) };
  if (changes.primaryEmail) org.directory.recentRenames.set(user.id, ctx.state.now());
  return { json: userJson(org, org.directory.updateUser(user.id, changes)) };
}

export function deleteUser(ctx: ApiContext): ApiResult {
  const { org } = requireAdmin(ctx);
  const user = findLiveUser(org, ctx.params.userKey ?? "");
  checkCreationComplete(ctx, org, user);
  checkRenameSettled(ctx, org, user);
  org.directory.deleteUser(user.id);
  return { empty: 204 };
}

export async function makeAdmin(ctx: ApiContext): Promise<ApiResult> {
  const { org } = requireAdmin(ctx);
  const user = findLiveUser(org, ctx.params.userKey ?? "");
  checkCreationComplete(ctx, org, user);
  const body = await ctx.jsonBody();
  org.directory.updateUser(user.id, { isAdmin: body.status === true }, "makeAdmin");
  return { empty: 204 };
}

function findLiveUser(org: Org, key: string): DirectoryUser {
  const user = org.directory.findUser(key);
  if (!user && key.includes("@") && key.split("@")[1]?.toLowerCase() !== org.domain) throw notAuthorized();
  if (!user || user.deletionTime !== undefined) throw notFound("Resource Not Found: userKey");
  return user;
}

/** Within insertSettleMs of users.insert (sim clock). */
function creationPending(ctx: ApiContext, org: Org, user: DirectoryUser): boolean {
  const insertedAt = org.directory.recentInserts.get(user.id);
  if (insertedAt === undefined) return false;
  if (ctx.state.now() < insertedAt + ctx.state.settings.directory.insertSettleMs) return true;
  org.directory.recentInserts.delete(user.id);
  return false;
}

/**
 * Google (users.insert reference): "Mutate calls immediately following user creation might sometimes
 * fail as the user isn't fully created ... 'User creation is not complete'"; reports put it near 40 s.
 */
function checkCreationComplete(ctx: ApiContext, org: Org, user: DirectoryUser): void {
  if (!creationPending(ctx, org, user)) return;
  throw new ApiError({
    code: 412,
    status: "FAILED_PRECONDITION",
    message: "User creation is not complete.",
    reason: "conditionNotMet",
  });
}

/** For renameSettleMs after a primaryEmail change, writes to the user answer 409 (reported, unconfirmed). */
function checkRenameSettled(ctx: ApiContext, org: Org, user: DirectoryUser): void {
  const renamedAt = org.directory.recentRenames.get(user.id);
  if (renamedAt === undefined) return;
  if (ctx.state.now() >= renamedAt + ctx.state.settings.directory.renameSettleMs) {
    org.directory.recentRenames.delete(user.id);
    return;
  }
  throw new ApiError({
    code: 409,
    status: "ABORTED",
    message: "The user's email address is still being changed. Retry later.",
    reason: "conflict",
  });
}
