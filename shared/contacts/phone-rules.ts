// Phone rules (pure): every number is normalised to E.164 with the org's default region, so one
// person's "020 7946 0000", "+44 20 7946 0000" and "0044 20 7946 0000" are the same key for dedupe
// and caller-ID. A number that does not parse is kept exactly as typed and flagged (e164: null).
//
// Metadata: "libphonenumber-js/max". The /min set validates by length only, so a mistyped number
// of the right length would be accepted as valid E.164 and could match the wrong caller. /max adds
// the per-country patterns; its extra ~70 kB is small next to the Google clients in every bundle.
import { type CountryCode, getCountries, parsePhoneNumberFromString } from "libphonenumber-js/max";

const COUNTRIES = new Set<string>(getCountries());

export const isRegion = (region: string): region is CountryCode => COUNTRIES.has(region);

/** The E.164 form of a typed number, or null when it is not a valid number for its region. */
export function toE164(raw: string, region: string): string | null {
  const text = raw.trim();
  if (!text) return null;
  const country = isRegion(region) ? region : undefined;
  const parsed = parsePhoneNumberFromString(text, country ? { defaultCountry: country } : {});
  if (parsed?.isValid()) return parsed.number;
  // No guessing beyond the region's own rules (libphonenumber already strips its international prefix,
  // "00" in GB, "011" in the US): re-reading bare digits as "+digits" can turn a mistyped national
  // number into a valid foreign one, and caller-ID would then name the wrong person.
  return null;
}

/** Just the digits, for numbers that did not parse and for prefix search. */
export const digitsOf = (raw: string): string => raw.replace(/[^\d]/g, "");

/** The identity of a number in sets and indexes: E.164 when known, else "raw:" + its digits. */
export const phoneKeyOf = (phone: { value: string; e164: string | null }): string =>
  phone.e164 ?? `raw:${digitsOf(phone.value)}`;

/** National digits ("02079460000") of an E.164 number, so a search for a local prefix finds it. */
export function nationalDigitsOf(e164: string): string | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return null;
  return digitsOf(parsed.formatNational());
}
