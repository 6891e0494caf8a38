import { findUser } from "./access";
import type { SamlUser, SpTarget } from "./index";
import { type AssertionFields, genuineFields, type ResponseFields, type SamlAttribute } from "./xml";

/**
 * A Google directory field an admin can map to a SAML attribute (Admin console → the app →
 * "SAML attribute mapping": Basic Information > Primary email, First name, Last name).
 */
export type DirectoryField = "primaryEmail" | "firstName" | "lastName";

export interface AttributeMapping {
  /** The app attribute's name, as the SP reads it (Attribute/@Name). */
  name: string;
  field: DirectoryField;
}

/**
 * "Group membership (optional)": the groups the admin selected, sent under one app attribute name
 * when the user belongs to them (only the selected groups, never all of the user's groups).
 */
export interface GroupMembershipMapping {
  name: string;
  groups: string[];
}

function fieldValue(user: SamlUser | undefined, nameId: string, field: DirectoryField): string | undefined {
  if (field === "primaryEmail") return user?.email ?? nameId;
  return field === "firstName" ? user?.givenName : user?.familyName;
}

/** The AttributeStatement Google sends for this user under the app's mapping; empty values are left out. */
export function mappedAttributes(t: SpTarget, nameId: string): SamlAttribute[] {
  const user = findUser(t.org, nameId);
  const attributes: SamlAttribute[] = [];
  for (const mapping of t.attributes) {
    const value = fieldValue(user, nameId, mapping.field);
    if (value) attributes.push({ name: mapping.name, values: [value] });
  }
  if (t.groupMembership && user) {
    const mine = new Set(user.groups.map((g) => g.toLowerCase()));
    const values = t.groupMembership.groups.filter((g) => mine.has(g.toLowerCase()));
    if (values.length > 0) attributes.push({ name: t.groupMembership.name, values });
  }
  return attributes;
}

/** Every field of the response Google would issue to this app for `nameId` at `now`. */
export function fieldsForApp(
  t: SpTarget,
  nameId: string,
  inResponseTo: string | undefined,
  now: Date,
): { assertion: AssertionFields; response: ResponseFields } {
  return genuineFields({
    idpId: t.org.idpId,
    email: nameId,
    acsUrl: t.acsUrl,
    audience: t.audience,
    inResponseTo,
    now,
    nameIdFormat: t.nameIdFormat,
    attributes: mappedAttributes(t, nameId),
  });
}
