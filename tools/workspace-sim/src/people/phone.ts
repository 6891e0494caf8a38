// A small phone-number parser good enough to give People API's `canonicalForm` (E.164) for the formats
// contacts really contain: "+1 650-555-0100", "(650) 555-0100", "020 7946 0018", "0049 30 1234567".
// Unparseable values get no canonicalForm, as Google does.

interface Region {
  countryCode: string;
  /** National trunk prefix dropped when going international ("0" in most of Europe). */
  trunk: string;
  /** Allowed national significant number lengths. */
  lengths: [number, number];
  /** International dialling prefix. */
  idd: string;
}

const REGIONS: Record<string, Region> = {
  US: { countryCode: "1", trunk: "1", lengths: [10, 10], idd: "011" },
  CA: { countryCode: "1", trunk: "1", lengths: [10, 10], idd: "011" },
  GB: { countryCode: "44", trunk: "0", lengths: [9, 10], idd: "00" },
  IE: { countryCode: "353", trunk: "0", lengths: [7, 9], idd: "00" },
  DE: { countryCode: "49", trunk: "0", lengths: [6, 13], idd: "00" },
  FR: { countryCode: "33", trunk: "0", lengths: [9, 9], idd: "00" },
  NL: { countryCode: "31", trunk: "0", lengths: [9, 9], idd: "00" },
  BE: { countryCode: "32", trunk: "0", lengths: [8, 9], idd: "00" },
  CH: { countryCode: "41", trunk: "0", lengths: [9, 9], idd: "00" },
  AT: { countryCode: "43", trunk: "0", lengths: [4, 13], idd: "00" },
  ES: { countryCode: "34", trunk: "", lengths: [9, 9], idd: "00" },
  IT: { countryCode: "39", trunk: "", lengths: [6, 11], idd: "00" },
  SE: { countryCode: "46", trunk: "0", lengths: [7, 9], idd: "00" },
  AU: { countryCode: "61", trunk: "0", lengths: [9, 9], idd: "0011" },
  IN: { countryCode: "91", trunk: "0", lengths: [10, 10], idd: "00" },
  JP: { countryCode: "81", trunk: "0", lengths: [9, 10], idd: "010" },
  BR: { countryCode: "55", trunk: "0", lengths: [10, 11], idd: "00" },
};

export const supportedRegions = Object.keys(REGIONS);

/** Returns the E.164 form of `raw`, or undefined when it does not look like a dialable number. */
export function toE164(raw: string, defaultRegion = "US"): string | undefined {
  // "+44 (0)20 …": the national prefix in brackets is not dialled from abroad, and Google's parser
  // (libphonenumber) drops it (libphonenumber FAQ).
  const withoutExtension = raw.replace(/\s*(?:ext\.?|x|#)\s*\d+\s*$/i, "").replace(/\(\s*0\s*\)/g, "");
  if (/[a-z]/i.test(withoutExtension)) return undefined;
  const plus = withoutExtension.trim().startsWith("+");
  const digits = withoutExtension.replace(/\D/g, "");
  if (digits.length < 6) return undefined;
  if (plus) return plausibleInternational(digits);
  const region = REGIONS[defaultRegion.toUpperCase()] ?? REGIONS.US!;
  if (digits.startsWith(region.idd)) return plausibleInternational(digits.slice(region.idd.length));
  if (region.idd !== "00" && digits.startsWith("00")) return plausibleInternational(digits.slice(2));
  let national = digits;
  // "0" trunk prefixes are always dialled nationally; NANP's "1" is optional, so only an 11th digit is one.
  const isTrunk = region.trunk === "1" ? national.length === region.lengths[1] + 1 : region.trunk !== "";
  if (isTrunk && national.startsWith(region.trunk)) {
    national = national.slice(region.trunk.length);
  }
  if (national.length < region.lengths[0] || national.length > region.lengths[1]) return undefined;
  return `+${region.countryCode}${national}`;
}

function plausibleInternational(digits: string): string | undefined {
  // E.164 allows at most 15 digits; country codes never start with 0.
  if (digits.length < 8 || digits.length > 15 || digits.startsWith("0")) return undefined;
  return `+${digits}`;
}
