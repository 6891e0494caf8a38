// A Workspace user seen through the People API: the DOMAIN_PROFILE of listDirectoryPeople and the
// PROFILE behind people/me.
import { isoTime } from "../clock";
import type { DirectoryUser } from "../directory/directory-store";
import type { Org } from "../state";
import { toE164 } from "./phone";

export function renderDirectoryPerson(
  org: Org,
  user: DirectoryUser,
  mask: Set<string> | undefined,
  sourceType: "DOMAIN_PROFILE" | "PROFILE",
): Record<string, unknown> {
  const source = { type: sourceType, id: user.id };
  const meta = (primary: boolean) => ({ metadata: { ...(primary ? { primary: true } : {}), source } });
  const out: Record<string, unknown> = {
    resourceName: `people/${user.id}`,
    etag: `%${user.etag.replace(/"/g, "")}`,
  };
  const want = (f: string) => !mask || mask.has(f);
  if (want("metadata")) {
    out.metadata = {
      sources: [
        {
          ...source,
          etag: `#${user.etag.replace(/"/g, "").slice(0, 12)}`,
          updateTime: isoTime(user.creationTime),
        },
      ],
      objectType: "PERSON",
    };
  }
  if (want("names")) {
    const displayName = `${user.givenName} ${user.familyName}`.trim();
    out.names = [
      {
        ...meta(true),
        displayName,
        familyName: user.familyName,
        givenName: user.givenName,
        displayNameLastFirst: `${user.familyName}, ${user.givenName}`,
        unstructuredName: displayName,
      },
    ];
  }
  if (want("emailAddresses")) out.emailAddresses = [{ ...meta(true), value: user.primaryEmail }];
  if (want("phoneNumbers") && user.phones.length > 0) {
    out.phoneNumbers = user.phones.map((p, i) => {
      const canonical = toE164(p.value, org.defaultRegion);
      return {
        ...meta(i === 0),
        value: p.value,
        ...(canonical ? { canonicalForm: canonical } : {}),
        type: p.type,
        formattedType: p.type.charAt(0).toUpperCase() + p.type.slice(1),
      };
    });
  }
  if (want("organizations")) {
    const department =
      user.orgUnitPath === "/" ? undefined : user.orgUnitPath.slice(user.orgUnitPath.lastIndexOf("/") + 1);
    out.organizations = [{ ...meta(true), ...(department ? { department } : {}), name: org.domain }];
  }
  return out;
}

export function directoryTombstone(user: DirectoryUser): Record<string, unknown> {
  return {
    resourceName: `people/${user.id}`,
    etag: `%${user.etag.replace(/"/g, "")}`,
    metadata: { sources: [{ type: "DOMAIN_PROFILE", id: user.id }], deleted: true, objectType: "PERSON" },
  };
}

/** Users that appear in the domain directory: not deleted, not suspended. */
export const listedInDirectory = (user: DirectoryUser) => user.deletionTime === undefined && !user.suspended;
