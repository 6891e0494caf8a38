// The admin#directory#user resource as the Directory API returns it.
import { isoTime } from "../clock";
import type { Org } from "../state";
import type { DirectoryUser } from "./directory-store";

export function userJson(
  org: Org,
  u: DirectoryUser,
  view: "admin_view" | "domain_public" = "admin_view",
): Record<string, unknown> {
  const name = {
    givenName: u.givenName,
    familyName: u.familyName,
    fullName: `${u.givenName} ${u.familyName}`.trim(),
  };
  const phones = u.phones.length > 0 ? { phones: u.phones } : {};
  const organizations = u.organizations.length > 0 ? { organizations: u.organizations } : {};
  if (view === "domain_public") {
    return {
      kind: "admin#directory#user",
      id: u.id,
      etag: u.etag,
      primaryEmail: u.primaryEmail,
      name,
      emails: [{ address: u.primaryEmail, primary: true }],
      ...phones,
    };
  }
  return {
    kind: "admin#directory#user",
    id: u.id,
    etag: u.etag,
    primaryEmail: u.primaryEmail,
    name,
    isAdmin: u.isAdmin,
    isDelegatedAdmin: u.isDelegatedAdmin ?? false,
    lastLoginTime: isoTime(u.lastLoginTime ?? 0),
    creationTime: isoTime(u.creationTime),
    ...(u.deletionTime !== undefined ? { deletionTime: isoTime(u.deletionTime) } : {}),
    agreedToTerms: true,
    suspended: u.suspended,
    ...(u.suspended ? { suspensionReason: "ADMIN" } : {}),
    archived: u.archived,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: u.primaryEmail, primary: true }],
    ...phones,
    ...organizations,
    customerId: org.customerId,
    orgUnitPath: u.orgUnitPath,
    isMailboxSetup: true,
    isEnrolledIn2Sv: false,
    isEnforcedIn2Sv: false,
    includeInGlobalAddressList: true,
  };
}
