// The admin.googleapis.com Directory surface (directory_v1). Every call is charged against the
// per-user query quota before it runs.
import type { ApiRoute } from "../api";
import type { Router } from "../router";
import { SCOPES } from "../scopes";
import { chargeDirectory } from "./access";
import { listDomains } from "./domains-api";
import { listGroups, listMembers, listOrgUnits } from "./groups-api";
import { deleteUser, getUser, insertUser, listUsers, makeAdmin, patchUser, updateUser } from "./users-api";
import { stopChannel, watchUsers } from "./watch-api";

const USER_READ = [SCOPES.adminUser, SCOPES.adminUserReadonly];
const USER_WRITE = [SCOPES.adminUser];
const OU_READ = [SCOPES.adminOrgunit, SCOPES.adminOrgunitReadonly];
const GROUP_READ = [SCOPES.adminGroup, SCOPES.adminGroupReadonly];
const MEMBER_READ = [...GROUP_READ, SCOPES.adminGroupMember, SCOPES.adminGroupMemberReadonly];
const DOMAIN_READ = [SCOPES.adminDomain, SCOPES.adminDomainReadonly];

const directory = (method: string, scopes: readonly string[], handle: ApiRoute["handle"]): ApiRoute => ({
  api: "directory",
  method,
  service: "admin.googleapis.com",
  auth: true,
  scopes,
  handle: (ctx) => {
    chargeDirectory(ctx);
    return handle(ctx);
  },
});

const BASE = "^/admin/directory/v1";
const USER_KEY = "(?<userKey>[^/]+)";

export function registerDirectoryRoutes(router: Router<ApiRoute>): void {
  router
    .add("GET", new RegExp(`${BASE}/users$`), directory("directory.users.list", USER_READ, listUsers))
    .add("POST", new RegExp(`${BASE}/users$`), directory("directory.users.insert", USER_WRITE, insertUser))
    .add(
      "POST",
      new RegExp(`${BASE}/users/watch$`),
      directory("directory.users.watch", USER_READ, watchUsers),
    )
    .add(
      "GET",
      new RegExp(`${BASE}/users/${USER_KEY}$`),
      directory("directory.users.get", USER_READ, getUser),
    )
    .add(
      "PUT",
      new RegExp(`${BASE}/users/${USER_KEY}$`),
      directory("directory.users.update", USER_WRITE, updateUser),
    )
    .add(
      "PATCH",
      new RegExp(`${BASE}/users/${USER_KEY}$`),
      directory("directory.users.patch", USER_WRITE, patchUser),
    )
    .add(
      "DELETE",
      new RegExp(`${BASE}/users/${USER_KEY}$`),
      directory("directory.users.delete", USER_WRITE, deleteUser),
    )
    .add(
      "POST",
      new RegExp(`${BASE}/users/${USER_KEY}/makeAdmin$`),
      directory("directory.users.makeAdmin", USER_WRITE, makeAdmin),
    )
    .add(
      "GET",
      new RegExp(`${BASE}/customer/(?<customerId>[^/]+)/orgunits$`),
      directory("directory.orgunits.list", OU_READ, listOrgUnits),
    )
    .add(
      "GET",
      new RegExp(`${BASE}/customer/(?<customerId>[^/]+)/domains$`),
      directory("directory.domains.list", DOMAIN_READ, listDomains),
    )
    .add("GET", new RegExp(`${BASE}/groups$`), directory("directory.groups.list", GROUP_READ, listGroups))
    .add(
      "GET",
      new RegExp(`${BASE}/groups/(?<groupKey>[^/]+)/members$`),
      directory("directory.members.list", MEMBER_READ, listMembers),
    )
    .add(
      "POST",
      /^\/admin\/directory_v1\/channels\/stop$/,
      directory("directory.channels.stop", USER_READ, stopChannel),
    );
}
