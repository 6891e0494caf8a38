// The Person resource: which fields exist, how Google normalises what a client sends (displayName,
// canonicalForm, formattedType) and how a stored contact is rendered for a given field mask.
import { isoTime } from "../clock";
import { invalidArgument } from "../errors";
import { toE164 } from "./phone";

export const PERSON_FIELDS = [
  "addresses",
  "ageRanges",
  "biographies",
  "birthdays",
  "calendarUrls",
  "clientData",
  "coverPhotos",
  "emailAddresses",
  "events",
  "externalIds",
  "genders",
  "imClients",
  "interests",
  "locales",
  "locations",
  "memberships",
  "metadata",
  "miscKeywords",
  "names",
  "nicknames",
  "occupations",
  "organizations",
  "phoneNumbers",
  "photos",
  "relations",
  "sipAddresses",
  "skills",
  "urls",
  "userDefined",
] as const;

const KNOWN = new Set<string>(PERSON_FIELDS);
/** Fields a contact may hold at most one of (createContact answers 400 otherwise). */
export const SINGLETON_FIELDS = new Set(["names", "birthdays", "genders", "biographies"]);
/** Fields a client may write on a contact (read-only ones like photos/metadata are excluded). */
const WRITABLE = new Set<string>(
  PERSON_FIELDS.filter((f) => !["metadata", "photos", "coverPhotos", "ageRanges"].includes(f)),
);

export type FieldValue = Record<string, unknown>;
export type PersonData = Record<string, FieldValue[]>;

export interface ContactRecord {
  resourceName: string;
  sourceId: string;
  etag: string;
  sourceEtag: string;
  updateTime: number;
  seq: number;
  deleted: boolean;
  data: PersonData;
  /** The version before the last update or delete: what lagging reads still answer for a while. */
  prior?: ContactRecord;
}

/** Parses a comma-separated field mask and refuses unknown paths, as the API does. */
export function parseMask(
  raw: string | null | undefined,
  paramName: string,
  required: boolean,
): Set<string> | undefined {
  if (!raw) {
    if (required)
      throw invalidArgument(`${paramName} mask is required. Please specify one or more valid paths.`);
    return undefined;
  }
  const out = new Set<string>();
  for (const part of raw.split(",")) {
    const path = part.trim().replace(/^person\./, "");
    if (!path) continue;
    if (!KNOWN.has(path))
      throw invalidArgument(
        `Invalid ${paramName} mask path: "${path}". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get.`,
      );
    out.add(path);
  }
  if (out.size === 0 && required)
    throw invalidArgument(`${paramName} mask is required. Please specify one or more valid paths.`);
  return out;
}

const FORMATTED_TYPES: Record<string, string> = {
  home: "Home",
  work: "Work",
  mobile: "Mobile",
  homeFax: "Home Fax",
  workFax: "Work Fax",
  otherFax: "Other Fax",
  pager: "Pager",
  workMobile: "Work Mobile",
  workPager: "Work Pager",
  main: "Main",
  googleVoice: "Google Voice",
  other: "Other",
};

const formattedType = (type: unknown) =>
  typeof type === "string" && type ? { type, formattedType: FORMATTED_TYPES[type] ?? type } : {};

function normaliseName(input: FieldValue): FieldValue {
  const n = { ...input };
  // Google splits an unstructured name into given and family names.
  if (!str(n.givenName) && !str(n.familyName) && str(n.unstructuredName)) {
    const parts = str(n.unstructuredName).trim().split(/\s+/);
    n.givenName = parts.length > 1 ? parts.slice(0, -1).join(" ") : parts[0];
    if (parts.length > 1) n.familyName = parts.at(-1);
  }
  const given = str(n.givenName);
  const family = str(n.familyName);
  const middle = str(n.middleName);
  const unstructured = str(n.unstructuredName);
  const display = [n.honorificPrefix, given, middle, family, n.honorificSuffix]
    .filter((x) => str(x))
    .join(" ");
  const displayName = display || unstructured;
  const out: FieldValue = n;
  if (displayName) {
    out.displayName = displayName;
    out.displayNameLastFirst =
      family && given ? `${family}, ${[given, middle].filter(Boolean).join(" ")}` : displayName;
    out.unstructuredName = unstructured || displayName;
  }
  return out;
}

/** Turns client input into stored field values: strips client metadata, adds derived values. */
export function normalisePersonInput(
  input: Record<string, unknown>,
  region: string,
  onlyFields?: Set<string>,
): PersonData {
  const data: PersonData = {};
  for (const [field, value] of Object.entries(input)) {
    if (!KNOWN.has(field) || !Array.isArray(value)) continue;
    if (onlyFields && !onlyFields.has(field)) continue;
    if (!WRITABLE.has(field)) continue;
    data[field] = value.map((raw) => {
      const { metadata: _clientMetadata, ...v } = (raw ?? {}) as FieldValue;
      if (field === "names") return normaliseName(v);
      if (field === "phoneNumbers") {
        const value = str(v.value);
        const canonical = value ? toE164(value, region) : undefined;
        const { canonicalForm: _ignored, ...rest } = v;
        return { ...rest, ...(canonical ? { canonicalForm: canonical } : {}), ...formattedType(v.type) };
      }
      if (field === "emailAddresses" || field === "addresses" || field === "urls" || field === "relations") {
        return { ...v, ...formattedType(v.type) };
      }
      return v;
    });
  }
  return data;
}

export function checkSingletons(data: PersonData): void {
  for (const field of SINGLETON_FIELDS) {
    if ((data[field]?.length ?? 0) > 1)
      throw invalidArgument(`Invalid person: "${field}" is a singleton field and can only be set once.`);
  }
}

/** Renders a stored contact as the People API returns it. `mask` undefined means every field. */
export function renderContact(record: ContactRecord, mask: Set<string> | undefined): Record<string, unknown> {
  if (record.deleted) {
    return {
      resourceName: record.resourceName,
      etag: record.etag,
      metadata: { sources: [{ type: "CONTACT", id: record.sourceId }], deleted: true, objectType: "PERSON" },
    };
  }
  const source = { type: "CONTACT", id: record.sourceId };
  const out: Record<string, unknown> = { resourceName: record.resourceName, etag: record.etag };
  if (!mask || mask.has("metadata")) {
    out.metadata = {
      sources: [{ ...source, etag: record.sourceEtag, updateTime: isoTime(record.updateTime) }],
      objectType: "PERSON",
    };
  }
  for (const [field, values] of Object.entries(record.data)) {
    if (mask && !mask.has(field)) continue;
    if (values.length === 0) continue;
    out[field] = values.map((v, i) => ({
      metadata: { ...(i === 0 ? { primary: true } : {}), source },
      ...v,
    }));
  }
  return out;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** Text a search query matches against: names, nicknames, emails, phones, organizations. */
export function searchableText(data: PersonData): string[] {
  const out: string[] = [];
  for (const n of data.names ?? [])
    for (const k of ["displayName", "givenName", "familyName"])
      if (str(n[k])) out.push(str(n[k]).toLowerCase());
  for (const n of data.nicknames ?? []) if (str(n.value)) out.push(str(n.value).toLowerCase());
  for (const e of data.emailAddresses ?? []) if (str(e.value)) out.push(str(e.value).toLowerCase());
  for (const p of data.phoneNumbers ?? []) {
    if (str(p.value)) out.push(str(p.value).replace(/[^\d+]/g, ""));
    if (str(p.canonicalForm)) out.push(str(p.canonicalForm));
  }
  for (const o of data.organizations ?? []) if (str(o.name)) out.push(str(o.name).toLowerCase());
  return out;
}
