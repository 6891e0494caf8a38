// The Admin SDK Directory API's profile writes (directory write-back): read a user's phones, name and
// organizations with their etag, and users.update them. users.update, not users.patch: both patch, but
// only update can clear a repeated field (phones) when Switchboard's last entry goes
// (docs/google-behaviour.md#directory-profile-writes).

import type { OAuth2Client } from "google-auth-library";
import { AppError } from "../platform/errors";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget } from "./google-client-options";
import { googleErrorInfo, toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";

/** One entry of a Workspace user's `phones`, as Google holds it. */
export interface WorkspacePhone {
  value: string;
  type: string;
  customType?: string | undefined;
  primary?: boolean | undefined;
}

/** One entry of `organizations` (department lives on the primary one). */
export type WorkspaceOrganization = Record<string, unknown> & { department?: string; primary?: boolean };

export interface WorkspaceProfile {
  id: string;
  etag: string;
  phones: WorkspacePhone[];
  givenName: string;
  familyName: string;
  organizations: WorkspaceOrganization[];
}

/** Fields to set; arrays replace Google's whole array, an empty one clears it. */
export interface ProfileUpdate {
  phones?: WorkspacePhone[];
  name?: { givenName: string; familyName: string };
  organizations?: WorkspaceOrganization[];
}

export interface DirectoryProfileApi {
  /** undefined when the user no longer exists. */
  getProfile(userKey: string): Promise<WorkspaceProfile | undefined>;
  /**
   * Writes the fields, sending `If-Match`. Google documents no precondition on users.update and may
   * ignore it (the caller must not rely on it); where it answers 412, that becomes an AppError
   * `precondition_failed` (re-read and merge again). A user still settling (412 "User creation is not
   * complete" after insert, 409 after an email change) is a retryable AppError. Returns the profile as
   * Google now holds it.
   */
  updateProfile(userKey: string, update: ProfileUpdate, ifMatch: string): Promise<WorkspaceProfile>;
}

type ApiUser = {
  id?: string | null;
  etag?: string | null;
  phones?: unknown;
  name?: { givenName?: string | null; familyName?: string | null } | null;
  organizations?: unknown;
};

const asArray = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function toProfile(u: ApiUser): WorkspaceProfile {
  return {
    id: u.id ?? "",
    etag: u.etag ?? "",
    phones: asArray<WorkspacePhone>(u.phones).map((p) => ({
      value: String(p.value ?? ""),
      type: String(p.type ?? "other"),
      ...(p.customType ? { customType: String(p.customType) } : {}),
      ...(p.primary === true ? { primary: true } : {}),
    })),
    givenName: u.name?.givenName ?? "",
    familyName: u.name?.familyName ?? "",
    organizations: asArray<WorkspaceOrganization>(u.organizations),
  };
}

/** users.update clears a repeated field only when it is sent as null. */
function requestBody(update: ProfileUpdate): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (update.phones) body.phones = update.phones.length > 0 ? update.phones : null;
  if (update.organizations)
    body.organizations = update.organizations.length > 0 ? update.organizations : null;
  if (update.name) body.name = update.name;
  return body;
}

export function googleDirectoryProfileApi(
  target: GoogleApiTarget,
  auth: OAuth2Client,
  options: { retry?: RetryOptions } = {},
): DirectoryProfileApi {
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/admin")).admin({ version: "directory_v1", ...clientOptions(target, auth) }),
  );
  return {
    async getProfile(userKey) {
      try {
        const res = await withGoogleRetry(
          async () => (await api()).users.get({ userKey, fields: "id,etag,phones,name,organizations" }),
          options.retry,
        );
        return toProfile(res.data);
      } catch (error) {
        if (googleErrorInfo(error)?.status === 404) return undefined;
        throw toAppError(error, "directory users.get");
      }
    },
    async updateProfile(userKey, update, ifMatch) {
      try {
        const res = await withGoogleRetry(
          async () =>
            (await api()).users.update(
              { userKey, requestBody: requestBody(update) as never },
              { headers: { "If-Match": ifMatch } },
            ),
          options.retry,
        );
        return toProfile(res.data);
      } catch (error) {
        const info = googleErrorInfo(error);
        if (
          info?.status === 409 ||
          (info?.status === 412 && /creation is not complete/i.test(info.message))
        ) {
          throw new AppError(
            "upstream_unavailable",
            `directory users.update: the user is settling: ${info.message}`,
            {
              retryable: true,
              cause: error,
            },
          );
        }
        throw toAppError(error, "directory users.update");
      }
    },
  };
}
