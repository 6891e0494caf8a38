// Reading the body of users.insert / update / patch into a change of a DirectoryUser, with Google's
// rules: fields not sent are kept; null clears; repeated fields (phones, organizations) are replaced
// whole, and users.patch cannot clear them (`[]` or null leave them as they are). Also the optional
// `If-Match` etag precondition.
import type { ApiContext } from "../api";
import { ApiError, invalidArgument, preconditionFailed } from "../errors";
import type { Org } from "../state";
import {
  type DirectoryUser,
  normaliseOuPath,
  type UserOrganization,
  type UserPhone,
} from "./directory-store";

export type WriteMode = "insert" | "update" | "patch";

/** The `phones[].type` values the Directory API accepts. */
export const PHONE_TYPES: ReadonlySet<string> = new Set([
  "assistant",
  "callback",
  "car",
  "company_main",
  "custom",
  "grand_central",
  "home",
  "home_fax",
  "isdn",
  "main",
  "mobile",
  "other",
  "other_fax",
  "pager",
  "radio",
  "telex",
  "tty_tdd",
  "work",
  "work_fax",
  "work_mobile",
  "work_pager",
]);

/** The `organizations[].type` values the Directory API accepts. */
export const ORGANIZATION_TYPES: ReadonlySet<string> = new Set([
  "custom",
  "domain_only",
  "school",
  "unknown",
  "work",
]);

const invalid = (message: string) => invalidArgument(message, "invalid");

/** Google's answer to an enum value it does not know (captured wire form). */
const invalidEnum = (value: string) =>
  invalid(
    value === ""
      ? "Invalid value for: is not a valid value"
      : `Invalid value for: ${value} is not a valid value`,
  );

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/**
 * `name.givenName` / `name.familyName`: a missing sub-field keeps the current value (undefined here);
 * an empty, null or non-string one is refused as users.insert refuses it.
 */
export function parseName(raw: unknown, mode: WriteMode): { givenName?: string; familyName?: string } {
  if (raw === undefined && mode !== "insert") return {};
  if (!isObject(raw)) throw invalid("Invalid Given/Family Name: GivenName");
  const out: { givenName?: string; familyName?: string } = {};
  for (const [key, label] of [
    ["givenName", "GivenName"],
    ["familyName", "FamilyName"],
  ] as const) {
    const v = raw[key];
    if (v === undefined && mode !== "insert") continue;
    if (!nonEmpty(v)) throw invalid(`Invalid Given/Family Name: ${label}`);
    out[key] = v;
  }
  return out;
}

/**
 * The entries a write asks a repeated field to hold, or undefined to leave it as it is. null and `[]`
 * clear it (insert: start empty) except in users.patch, which cannot clear repeated objects.
 */
function repeated(raw: unknown, field: string, mode: WriteMode): unknown[] | undefined {
  if (raw === undefined) return mode === "insert" ? [] : undefined;
  if (raw === null || (Array.isArray(raw) && raw.length === 0)) return mode === "patch" ? undefined : [];
  if (!Array.isArray(raw)) throw invalid(`Invalid Input: ${field}`);
  return raw;
}

function typeAndCustom(
  entry: Record<string, unknown>,
  where: string,
  types: ReadonlySet<string>,
  required: boolean,
): { type?: string; customType?: string } {
  const { type, customType } = entry;
  const out: { type?: string; customType?: string } = {};
  if (type === undefined || type === null) {
    if (required) throw invalidEnum("");
  } else {
    if (typeof type !== "string" || !types.has(type)) throw invalidEnum(typeof type === "string" ? type : "");
    out.type = type;
  }
  if (out.type === "custom" && !nonEmpty(customType)) throw invalid(`Invalid Input: ${where}.customType`);
  if (customType !== undefined && customType !== null) {
    if (typeof customType !== "string") throw invalid(`Invalid Input: ${where}.customType`);
    if (customType !== "") out.customType = customType;
  }
  return out;
}

/** `phones`: each entry needs a non-empty `value` and one of Google's types; unknown keys are dropped. */
export function parsePhones(raw: unknown, mode: WriteMode): UserPhone[] | undefined {
  const list = repeated(raw, "phones", mode);
  return list?.map((entry, i) => {
    const where = `phones[${i}]`;
    if (!isObject(entry)) throw invalid(`Invalid Input: ${where}`);
    if (!nonEmpty(entry.value)) throw invalid(`Invalid Input: ${where}.value`);
    const { type, customType } = typeAndCustom(entry, where, PHONE_TYPES, true);
    return {
      value: entry.value,
      type: type!,
      ...(customType !== undefined ? { customType } : {}),
      ...(typeof entry.primary === "boolean" ? { primary: entry.primary } : {}),
    };
  });
}

const ORGANIZATION_STRINGS = ["name", "title", "department"] as const;

/** `organizations`: name, title, department, primary, type, customType; other keys are dropped. */
export function parseOrganizations(raw: unknown, mode: WriteMode): UserOrganization[] | undefined {
  const list = repeated(raw, "organizations", mode);
  return list?.map((entry, i) => {
    const where = `organizations[${i}]`;
    if (!isObject(entry)) throw invalid(`Invalid Input: ${where}`);
    const out: UserOrganization = {};
    for (const key of ORGANIZATION_STRINGS) {
      const v = entry[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") throw invalid(`Invalid Input: ${where}.${key}`);
      out[key] = v;
    }
    if (typeof entry.primary === "boolean") out.primary = entry.primary;
    Object.assign(out, typeAndCustom(entry, where, ORGANIZATION_TYPES, false));
    return out;
  });
}

const PHONE_KEYS = ["value", "type", "customType", "primary"] as const;
const ORGANIZATION_KEYS = ["name", "title", "department", "primary", "type", "customType"] as const;

function sameEntries<T extends object>(
  a: readonly T[],
  b: readonly T[],
  keys: readonly (keyof T)[],
): boolean {
  return a.length === b.length && a.every((x, i) => keys.every((k) => x[k] === b[i]![k]));
}

/**
 * What a users.update / users.patch body changes on `user`: only the fields whose value differs, so
 * an empty result means the write changes nothing (no new etag, no push).
 */
export function userChanges(
  org: Org,
  user: DirectoryUser,
  body: Record<string, unknown>,
  mode: "update" | "patch",
): Partial<DirectoryUser> {
  const changes: Partial<DirectoryUser> = {};
  const name = parseName(body.name, mode);
  if (name.givenName !== undefined && name.givenName !== user.givenName) changes.givenName = name.givenName;
  if (name.familyName !== undefined && name.familyName !== user.familyName)
    changes.familyName = name.familyName;

  if (body.primaryEmail !== undefined) {
    const email = typeof body.primaryEmail === "string" ? body.primaryEmail.toLowerCase() : "";
    if (!email.includes("@")) throw invalid("Invalid Input: primary_user_email");
    if (email !== user.primaryEmail) {
      if (email.split("@")[1] !== org.domain) throw invalidArgument("Domain not found.", "notFound");
      if (org.directory.findUser(email)) throw duplicate();
      changes.primaryEmail = email;
    }
  }

  if (body.orgUnitPath !== undefined) {
    // null clears it back to the root unit, where users start.
    if (body.orgUnitPath !== null && typeof body.orgUnitPath !== "string")
      throw invalid("Invalid Input: orgUnitPath");
    const path = normaliseOuPath(body.orgUnitPath ?? "/");
    if (path !== user.orgUnitPath) changes.orgUnitPath = path;
  }

  for (const key of ["suspended", "archived"] as const) {
    const v = body[key];
    if (v !== undefined && (v === null || typeof v === "boolean") && (v ?? false) !== user[key])
      changes[key] = v ?? false;
  }

  const phones = parsePhones(body.phones, mode);
  if (phones && !sameEntries(phones, user.phones, PHONE_KEYS)) changes.phones = phones;
  const organizations = parseOrganizations(body.organizations, mode);
  if (organizations && !sameEntries(organizations, user.organizations, ORGANIZATION_KEYS))
    changes.organizations = organizations;
  return changes;
}

export const duplicate = () =>
  new ApiError({
    code: 409,
    status: "ALREADY_EXISTS",
    message: "Entity already exists.",
    reason: "duplicate",
  });

const bareEtag = (etag: string) =>
  etag
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");

/**
 * `If-Match: <etag>` (quoted or bare, a comma-separated list, or `*`): when sent and not the user's
 * current etag, 412 "Precondition Failed" and nothing changes. Not promised by the Directory docs.
 */
export function checkIfMatch(ctx: ApiContext, user: DirectoryUser): void {
  const header = ctx.req.headers["if-match"];
  if (header === undefined) return;
  const wanted = (Array.isArray(header) ? header.join(",") : header).split(",").map(bareEtag);
  if (wanted.includes("*") || wanted.includes(bareEtag(user.etag))) return;
  throw preconditionFailed();
}
