// The Admin SDK Directory API port (users, org units, groups, members, users.watch) and its adapter over
// @googleapis/admin. Every call goes through withGoogleRetry; what survives retries becomes an AppError
// (retryable for quota and 5xx, so a Pub/Sub redelivery resumes from the stored page token).

import type { OAuth2Client } from "google-auth-library";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget } from "./google-client-options";
import { googleErrorInfo, toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

/** A Workspace user, reduced to what Switchboard keeps (docs/google-behaviour.md#directory-users-list). */
export interface WorkspaceUser {
  id: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  fullName: string;
  orgUnitPath: string;
  suspended: boolean;
  archived: boolean;
  isAdmin: boolean;
  /** The first work (else any) phone number, as Workspace holds it. */
  phone: string | null;
}

export interface WorkspaceOrgUnit {
  id: string;
  path: string;
  name: string;
}

export interface WorkspaceGroup {
  id: string;
  email: string;
  name: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export interface WatchChannelRequest {
  id: string;
  token: string;
  address: string;
  /** Epoch ms the channel should live until (Google may shorten it). */
  expiration: number;
}

export interface OpenedChannel {
  id: string;
  resourceId: string;
  expiration: number;
}

export interface DirectoryApi {
  listUsers(pageToken: string | undefined, pageSize?: number): Promise<Page<WorkspaceUser>>;
  /** undefined when the user no longer exists (deleted, or past retention). */
  getUser(userKey: string): Promise<WorkspaceUser | undefined>;
  listOrgUnits(): Promise<WorkspaceOrgUnit[]>;
  listGroups(pageToken: string | undefined): Promise<Page<WorkspaceGroup>>;
  /** User members' ids, nested groups included. */
  listMembers(groupId: string, pageToken: string | undefined): Promise<Page<string>>;
  watchUsers(channel: WatchChannelRequest): Promise<OpenedChannel>;
  stopChannel(id: string, resourceId: string): Promise<void>;
}

export const DIRECTORY_API_METHODS = [
  "listUsers",
  "getUser",
  "listOrgUnits",
  "listGroups",
  "listMembers",
  "watchUsers",
  "stopChannel",
] as const satisfies readonly (keyof DirectoryApi)[];
/** Fails to compile when a method of the port is missing from the list above. */
export const DIRECTORY_API_METHODS_COMPLETE: [
  Exclude<keyof DirectoryApi, (typeof DIRECTORY_API_METHODS)[number]>,
] extends [never]
  ? true
  : never = true;

export const USERS_PAGE_SIZE = 500; // the Directory API's maximum
const GROUPS_PAGE_SIZE = 200;

type ApiUser = {
  id?: string | null;
  primaryEmail?: string | null;
  name?: { givenName?: string | null; familyName?: string | null; fullName?: string | null } | null;
  orgUnitPath?: string | null;
  suspended?: boolean | null;
  archived?: boolean | null;
  isAdmin?: boolean | null;
  phones?: unknown;
};

type ApiPhone = { value?: string; type?: string; customType?: string };

/** `ignorePhone`: entries that are not the user's own (Switchboard's write-back entries). */
export function toWorkspaceUser(
  u: ApiUser,
  ignorePhone: (p: ApiPhone) => boolean = () => false,
): WorkspaceUser {
  const phones = (Array.isArray(u.phones) ? (u.phones as ApiPhone[]) : []).filter((p) => !ignorePhone(p));
  const phone = (phones.find((p) => p.type === "work") ?? phones[0])?.value ?? null;
  const givenName = u.name?.givenName ?? "";
  const familyName = u.name?.familyName ?? "";
  return {
    id: u.id ?? "",
    primaryEmail: (u.primaryEmail ?? "").toLowerCase(),
    givenName,
    familyName,
    fullName: u.name?.fullName ?? `${givenName} ${familyName}`.trim(),
    orgUnitPath: u.orgUnitPath ?? "/",
    suspended: u.suspended === true,
    archived: u.archived === true,
    isAdmin: u.isAdmin === true,
    phone,
  };
}

export interface DirectoryApiOptions {
  retry?: RetryOptions;
  /** `my_customer` unless a reseller names the customer. */
  customer?: string;
  /**
   * Phone entries left out of `phone` (and so of the snapshot's hash): the ones Switchboard writes
   * itself, whose return through a sync or push is its own echo, not a change made in Google.
   */
  ignorePhone?: (p: ApiPhone) => boolean;
}

export function googleDirectoryApi(
  target: GoogleApiTarget,
  auth: OAuth2Client,
  options: DirectoryApiOptions = {},
): DirectoryApi {
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/admin")).admin({ version: "directory_v1", ...clientOptions(target, auth) }),
  );
  const customer = options.customer ?? "my_customer";
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withGoogleRetry(fn, options.retry);
    } catch (error) {
      throw toAppError(error, what);
    }
  };
  return {
    async listUsers(pageToken, pageSize = USERS_PAGE_SIZE) {
      const res = await call("directory users.list", async () =>
        (await api()).users.list({
          customer,
          maxResults: pageSize,
          orderBy: "email",
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      return {
        items: (res.data.users ?? []).map((u) => toWorkspaceUser(u, options.ignorePhone)),
        nextPageToken: res.data.nextPageToken ?? undefined,
      };
    },
    async getUser(userKey) {
      try {
        const res = await withGoogleRetry(async () => (await api()).users.get({ userKey }), options.retry);
        return toWorkspaceUser(res.data, options.ignorePhone);
      } catch (error) {
        if (googleErrorInfo(error)?.status === 404) return undefined;
        throw toAppError(error, "directory users.get");
      }
    },
    async listOrgUnits() {
      const res = await call("directory orgunits.list", async () =>
        (await api()).orgunits.list({ customerId: customer, type: "all" }),
      );
      return (res.data.organizationUnits ?? []).map((ou) => ({
        id: ou.orgUnitId ?? ou.orgUnitPath ?? "",
        path: ou.orgUnitPath ?? "/",
        name: ou.name ?? "",
      }));
    },
    async listGroups(pageToken) {
      const res = await call("directory groups.list", async () =>
        (await api()).groups.list({
          customer,
          maxResults: GROUPS_PAGE_SIZE,
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      return {
        items: (res.data.groups ?? []).map((g) => ({
          id: g.id ?? "",
          email: (g.email ?? "").toLowerCase(),
          name: g.name ?? "",
        })),
        nextPageToken: res.data.nextPageToken ?? undefined,
      };
    },
    async listMembers(groupId, pageToken) {
      const res = await call("directory members.list", async () =>
        (await api()).members.list({
          groupKey: groupId,
          maxResults: GROUPS_PAGE_SIZE,
          // Nested groups count: a person in a sub-group of a scoped group is in scope.
          includeDerivedMembership: true,
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      return {
        items: (res.data.members ?? []).filter((m) => m.type === "USER" && m.id).map((m) => m.id as string),
        nextPageToken: res.data.nextPageToken ?? undefined,
      };
    },
    async watchUsers(channel) {
      const res = await call("directory users.watch", async () =>
        (await api()).users.watch({
          customer,
          requestBody: {
            id: channel.id,
            type: "web_hook",
            address: channel.address,
            token: channel.token,
            expiration: String(channel.expiration),
          },
        }),
      );
      return {
        id: res.data.id ?? channel.id,
        resourceId: res.data.resourceId ?? "",
        expiration: Number(res.data.expiration ?? channel.expiration),
      };
    },
    async stopChannel(id, resourceId) {
      try {
        await withGoogleRetry(
          async () => (await api()).channels.stop({ requestBody: { id, resourceId } }),
          options.retry,
        );
      } catch (error) {
        // Already stopped or expired: the goal is met.
        if (googleErrorInfo(error)?.status === 404) return;
        throw toAppError(error, "directory channels.stop");
      }
    },
  };
}
