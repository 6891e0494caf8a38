// Dial-in numbers (pure): the org's settings schema (E.164 numbers, ISO 3166 country codes) and the
// grouping shown in a meeting's description: by country, the organiser's country first, then by name.
import { z } from "zod";

export const E164 = /^\+[1-9]\d{6,14}$/;

const regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });

/** The English name of an ISO 3166-1 alpha-2 code, or undefined when it is not a region. */
export function countryName(code: string): string | undefined {
  if (!/^[A-Z]{2}$/.test(code)) return undefined;
  try {
    const name = regionNames.of(code);
    return name && name !== code && name !== "Unknown Region" ? name : undefined;
  } catch {
    return undefined;
  }
}

export const DialInNumber = z
  .object({
    country: z
      .string()
      .transform((c) => c.trim().toUpperCase())
      .refine((c) => countryName(c) !== undefined, "expected an ISO 3166-1 alpha-2 country code"),
    number: z.string().trim().regex(E164, "expected an E.164 number, e.g. +442071234567"),
    label: z.string().trim().max(60).optional(),
  })
  .strict();
export type DialInNumber = z.infer<typeof DialInNumber>;

export const DialInSettings = z
  .object({ numbers: z.array(DialInNumber).max(100) })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.numbers.forEach((n, i) => {
      if (seen.has(n.number))
        ctx.addIssue({ code: "custom", path: ["numbers", i, "number"], message: "duplicate number" });
      seen.add(n.number);
    });
  });
export type DialInSettings = z.infer<typeof DialInSettings>;

export interface DialInGroup {
  country: string;
  countryName: string;
  numbers: Array<{ number: string; label?: string }>;
}

/** Groups numbers by country: the organiser's country first, the others by country name; numbers keep their order. */
export function groupDialIn(
  numbers: readonly DialInNumber[],
  organiserCountry: string | undefined,
): DialInGroup[] {
  const groups = new Map<string, DialInGroup>();
  for (const n of numbers) {
    let g = groups.get(n.country);
    if (!g) {
      g = { country: n.country, countryName: countryName(n.country) ?? n.country, numbers: [] };
      groups.set(n.country, g);
    }
    g.numbers.push(n.label ? { number: n.number, label: n.label } : { number: n.number });
  }
  const home = organiserCountry?.toUpperCase();
  return [...groups.values()].sort((a, b) => {
    if (a.country === home) return -1;
    if (b.country === home) return 1;
    return a.countryName.localeCompare(b.countryName, "en");
  });
}
