// What onboarding asks the Directory API with the signing-in person's own token (not a stored grant):
// are they a super admin of their Workspace customer (users.get: `isAdmin` is "a user with super
// administrator privileges"; a delegated admin has `isDelegatedAdmin` instead), which customer, and the
// customer's verified domains (domains.list). docs/google-behaviour.md#directory-onboarding-check.

import { OAuth2Client } from "google-auth-library";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget } from "./google-client-options";
import { googleErrorInfo, toAppError } from "./google-errors";
import { withGoogleRetry } from "./retry";

/** A person waits on these calls (sign-in): a few quick retries, not a worker's minute. */
const RETRY = { maxAttempts: 3, budgetMs: 10_000 };

export interface WorkspaceAdminView {
  /** The Workspace user id. */
  id: string;
  primaryEmail: string;
  fullName: string;
  customerId: string;
  isSuperAdmin: boolean;
}

export interface WorkspaceAdminApi {
  /** The caller's own user in the admin view, or undefined when Google says they may not read it (no admin). */
  me(email: string): Promise<WorkspaceAdminView | undefined>;
  /** The customer's verified domains, primary first. */
  verifiedDomains(): Promise<string[]>;
}

export function workspaceAdminApi(target: GoogleApiTarget, accessToken: string): WorkspaceAdminApi {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: accessToken });
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/admin")).admin({ version: "directory_v1", ...clientOptions(target, auth) }),
  );
  return {
    async me(email) {
      try {
        const { data } = await withGoogleRetry(
          async () => (await api()).users.get({ userKey: email }),
          RETRY,
        );
        return {
          id: data.id ?? "",
          primaryEmail: (data.primaryEmail ?? email).toLowerCase(),
          fullName: data.name?.fullName ?? "",
          customerId: data.customerId ?? "",
          isSuperAdmin: data.isAdmin === true,
        };
      } catch (error) {
        // 403 "Not Authorized to access this resource/api": not an admin who may read users.
        if (googleErrorInfo(error)?.status === 403) return undefined;
        throw toAppError(error, "directory users.get");
      }
    },
    async verifiedDomains() {
      try {
        const { data } = await withGoogleRetry(
          async () => (await api()).domains.list({ customer: "my_customer" }),
          RETRY,
        );
        const domains = (data.domains ?? []).filter((d) => d.verified && d.domainName);
        domains.sort((a, b) => Number(b.isPrimary === true) - Number(a.isPrimary === true));
        return domains.map((d) => d.domainName!.toLowerCase());
      } catch (error) {
        throw toAppError(error, "directory domains.list");
      }
    },
  };
}
