// orgunits.list, groups.list and members.list.
import type { ApiContext, ApiResult } from "../api";
import { invalidArgument, notFound } from "../errors";
import { notAuthorized, parseMaxResults, requireAdmin, requireCustomerOrDomain } from "./access";
import { normaliseOuPath, type OrgUnit } from "./directory-store";

export function listOrgUnits(ctx: ApiContext): ApiResult {
  const { org } = requireAdmin(ctx);
  const customer = ctx.params.customerId;
  if (customer !== "my_customer" && customer !== org.customerId) throw notAuthorized();
  const q = ctx.url.searchParams;
  const type = (q.get("type") ?? "children").toLowerCase();
  if (!["all", "children", "all_including_parent", "allincludingparent"].includes(type)) {
    throw invalidArgument(`Invalid value at 'type': ${q.get("type")}`, "invalid");
  }
  const base = normaliseOuPath(q.get("orgUnitPath") ?? "/");
  if (!org.directory.orgUnits.has(base)) throw notFound("Org unit not found");
  const under = (ou: OrgUnit) =>
    ou.orgUnitPath !== "/" && (base === "/" || ou.orgUnitPath.startsWith(`${base}/`));
  const units = [...org.directory.orgUnits.values()].filter((ou) =>
    type === "children"
      ? ou.parentOrgUnitPath === base && ou.orgUnitPath !== "/"
      : under(ou) ||
        ((type.startsWith("all_") || type === "allincludingparent") &&
          ou.orgUnitPath === base &&
          base !== "/"),
  );
  const parentId = (path: string) => org.directory.orgUnits.get(path)?.orgUnitId;
  return {
    json: {
      kind: "admin#directory#orgUnits",
      etag: `"ou-${org.id}"`,
      organizationUnits: units.map((ou) => ({
        kind: "admin#directory#orgUnit",
        etag: `"${ou.orgUnitId}"`,
        name: ou.name,
        description: ou.description,
        orgUnitPath: ou.orgUnitPath,
        orgUnitId: ou.orgUnitId,
        parentOrgUnitPath: ou.parentOrgUnitPath,
        parentOrgUnitId: parentId(ou.parentOrgUnitPath),
        blockInheritance: false,
      })),
    },
  };
}

export function listGroups(ctx: ApiContext): ApiResult {
  const { org } = requireAdmin(ctx);
  requireCustomerOrDomain(ctx, org, { allowUserKey: true });
  const q = ctx.url.searchParams;
  const maxResults = parseMaxResults(q.get("maxResults"), 200, 200);
  const userKey = q.get("userKey")?.toLowerCase();
  let groups = [...org.directory.groups.values()].sort((a, b) => (a.email < b.email ? -1 : 1));
  if (userKey) {
    const member = org.directory.findUser(userKey)?.primaryEmail ?? userKey;
    groups = groups.filter((g) => g.members.some((m) => m.email === member));
  }
  const offset = pageOffset(ctx, "groups", org.id);
  const page = groups.slice(offset, offset + maxResults);
  const body: Record<string, unknown> = { kind: "admin#directory#groups", etag: `"groups-${org.id}"` };
  if (page.length > 0) {
    body.groups = page.map((g) => ({
      kind: "admin#directory#group",
      id: g.id,
      etag: g.etag,
      email: g.email,
      name: g.name,
      directMembersCount: String(g.members.length),
      description: g.description,
      adminCreated: true,
      nonEditableAliases: [],
    }));
  }
  if (offset + maxResults < groups.length)
    body.nextPageToken = savePage(ctx, "groups", org.id, offset + maxResults);
  return { json: body };
}

export function listMembers(ctx: ApiContext): ApiResult {
  const { org } = requireAdmin(ctx);
  const q = ctx.url.searchParams;
  const key = (ctx.params.groupKey ?? "").toLowerCase();
  const group = org.directory.groups.get(key) ?? [...org.directory.groups.values()].find((g) => g.id === key);
  if (!group) throw notFound("Resource Not Found: groupKey");
  const maxResults = parseMaxResults(q.get("maxResults"), 200, 200);
  const roles = q
    .get("roles")
    ?.split(",")
    .map((r) => r.trim().toUpperCase());
  let members = org.directory.groupMembers(group, q.get("includeDerivedMembership") === "true");
  if (roles) members = members.filter((m) => roles.includes(m.role));
  const offset = pageOffset(ctx, `members:${group.id}`, org.id);
  const page = members.slice(offset, offset + maxResults);
  const body: Record<string, unknown> = { kind: "admin#directory#members", etag: group.etag };
  if (page.length > 0) {
    body.members = page.map((m) => {
      const user = m.type === "USER" ? org.directory.findUser(m.email) : undefined;
      const id = user?.id ?? org.directory.groups.get(m.email)?.id ?? m.email;
      return {
        kind: "admin#directory#member",
        etag: group.etag,
        id,
        email: m.email,
        role: m.role,
        type: m.type,
        status: "ACTIVE",
      };
    });
  }
  if (offset + maxResults < members.length)
    body.nextPageToken = savePage(ctx, `members:${group.id}`, org.id, offset + maxResults);
  return { json: body };
}

function pageOffset(ctx: ApiContext, kind: string, owner: string): number {
  const token = ctx.url.searchParams.get("pageToken");
  if (!token) return 0;
  const cursor = ctx.state.cursors.page(token);
  if (!cursor || cursor.kind !== kind || cursor.owner !== owner)
    throw invalidArgument("Invalid Input: pageToken", "invalid");
  return cursor.offset;
}

const savePage = (ctx: ApiContext, kind: string, owner: string, offset: number) =>
  ctx.state.cursors.savePage({ kind, owner, paramsKey: "", ids: [], offset, createdAt: ctx.state.now() });
