// The contact model (pure): the three synced fields (name, phones, emails), their validation at the
// API, conversion from what Google sends, and the content hash that suppresses echoes.
import { createHash } from "node:crypto";
import { z } from "zod";
import { codePointPrefixes } from "../platform/text";
import { digitsOf, nationalDigitsOf, phoneKeyOf, toE164 } from "./phone-rules";

export const LIMITS = {
  nameChars: 200,
  valueChars: 320,
  labelChars: 40,
  phones: 20,
  emails: 20,
  /** Personal contacts per user: what the sync is sized and benchmarked for. */
  contactsPerUser: 25_000,
} as const;

export interface Phone {
  /** As typed (kept verbatim even when it does not parse). */
  value: string;
  /** Label: mobile, work, home, … */
  type: string;
  /** Null when the number does not parse in the org's region: flagged, never dropped. */
  e164: string | null;
}

export interface Email {
  value: string;
  type: string;
}

export interface ContactFields {
  givenName: string;
  familyName: string;
  phones: Phone[];
  emails: Email[];
}

export type ContactKind = "personal" | "company";

export const EMPTY_FIELDS: ContactFields = { givenName: "", familyName: "", phones: [], emails: [] };

export const emailKeyOf = (email: { value: string }): string => email.value.trim().toLowerCase();

export const displayNameOf = (f: Pick<ContactFields, "givenName" | "familyName">): string =>
  [f.givenName, f.familyName].filter(Boolean).join(" ");

/** What Google or a client hands us: a name and typed values, before normalisation. */
export interface RawFields {
  givenName?: string | undefined;
  familyName?: string | undefined;
  phones?: Array<{ value: string; type?: string | undefined }> | undefined;
  emails?: Array<{ value: string; type?: string | undefined }> | undefined;
}

/** Normalises raw values: E.164 per number, duplicates (same number or same email) folded. */
export function normaliseFields(raw: RawFields, region: string): ContactFields {
  const phones: Phone[] = [];
  const seenPhones = new Set<string>();
  for (const p of raw.phones ?? []) {
    const value = p.value.trim();
    if (!value) continue;
    const phone = { value, type: p.type?.trim() || "other", e164: toE164(value, region) };
    const key = phoneKeyOf(phone);
    if (seenPhones.has(key)) continue;
    seenPhones.add(key);
    phones.push(phone);
  }
  const emails: Email[] = [];
  const seenEmails = new Set<string>();
  for (const e of raw.emails ?? []) {
    const value = e.value.trim();
    if (!value || seenEmails.has(emailKeyOf(e))) continue;
    seenEmails.add(emailKeyOf(e));
    emails.push({ value, type: e.type?.trim() || "other" });
  }
  return { givenName: raw.givenName?.trim() ?? "", familyName: raw.familyName?.trim() ?? "", phones, emails };
}

/** A content hash independent of order, case of emails and formatting of numbers. */
export function contactFieldsHash(f: ContactFields): string {
  const canonical = {
    n: [f.givenName, f.familyName],
    p: f.phones.map((p) => `${phoneKeyOf(p)}|${p.type}`).sort(),
    e: f.emails.map((e) => `${emailKeyOf(e)}|${e.type}`).sort(),
  };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("base64url").slice(0, 22);
}

/** Every normalised number and email of a contact: the keys for caller-ID and dedupe. */
export const phoneKeysOf = (f: ContactFields): string[] => f.phones.flatMap((p) => (p.e164 ? [p.e164] : []));
export const emailKeysOf = (f: ContactFields): string[] => f.emails.map(emailKeyOf);

export const SEARCH_PREFIX_CHARS = 16;

/** Prefix terms for search: each word of the name and emails, and the digits of each number. */
export function searchTermsOf(f: ContactFields): string[] {
  const words = new Set<string>();
  for (const w of `${f.givenName} ${f.familyName}`.toLowerCase().split(/\s+/)) if (w) words.add(w);
  for (const e of f.emails) {
    const key = emailKeyOf(e);
    words.add(key);
    const local = key.split("@")[0];
    if (local) words.add(local);
  }
  for (const p of f.phones) {
    const digits = p.e164 ? digitsOf(p.e164) : digitsOf(p.value);
    if (digits) words.add(digits);
    const national = p.e164 ? nationalDigitsOf(p.e164) : null;
    if (national) words.add(national);
  }
  const prefixes = new Set<string>();
  // Prefixes up to SEARCH_PREFIX_CHARS: longer queries are cut to that length (still a precise match
  // in practice), and every prefix is an index entry written with the contact.
  for (const w of words) for (const prefix of codePointPrefixes(w, SEARCH_PREFIX_CHARS)) prefixes.add(prefix);
  return [...prefixes];
}

// ---- API input ------------------------------------------------------------------------------------

const label = z.string().trim().min(1).max(LIMITS.labelChars);
const PhoneInput = z
  .object({ value: z.string().trim().min(1).max(LIMITS.valueChars), type: label.optional() })
  .strict();
const EmailInput = z.object({ value: z.email().max(LIMITS.valueChars), type: label.optional() }).strict();
const name = z.string().trim().max(LIMITS.nameChars);

export const ContactInput = z
  .object({
    givenName: name.optional(),
    familyName: name.optional(),
    phones: z.array(PhoneInput).max(LIMITS.phones).optional(),
    emails: z.array(EmailInput).max(LIMITS.emails).optional(),
  })
  .strict();
export type ContactInput = z.infer<typeof ContactInput>;

export const hasContent = (f: ContactFields): boolean =>
  Boolean(f.givenName || f.familyName || f.phones.length || f.emails.length);

// The stored shape of the fields (shared by the repository's converter).
export const PhoneSchema = z.object({ value: z.string(), type: z.string(), e164: z.string().nullable() });
export const EmailSchema = z.object({ value: z.string(), type: z.string() });
export const FieldsSchema = z.object({
  givenName: z.string(),
  familyName: z.string(),
  phones: z.array(PhoneSchema),
  emails: z.array(EmailSchema),
});
