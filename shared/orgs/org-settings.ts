// An organisation's own settings (pure): display name, default phone region (ISO 3166-1 alpha-2, the
// countries libphonenumber knows, so every region accepted here is one contacts can normalise with),
// default time zone (IANA), sign-in policy and just-in-time accounts.
import { z } from "zod";
import { isRegion } from "../contacts";
import { AppError } from "../platform/errors";

/** Which sign-in methods the org accepts. `requireSaml`: SAML only, Google kept as admins' break-glass. */
export const SignInPolicy = z
  .object({ google: z.boolean(), saml: z.boolean(), requireSaml: z.boolean() })
  .strict();
export type SignInPolicy = z.infer<typeof SignInPolicy>;

export const DEFAULT_SIGN_IN_POLICY: SignInPolicy = { google: true, saml: true, requireSaml: false };

/** The region, upper-cased; 400 invalid_region unless it is an ISO 3166-1 alpha-2 code phone rules know. */
export function checkRegion(value: string, field = "defaultRegion"): string {
  const region = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(region) || !isRegion(region))
    throw new AppError(
      "invalid_region",
      `${field} must be an ISO 3166-1 alpha-2 country code such as GB or US, not "${value.slice(0, 20)}"`,
      { details: { field } },
    );
  return region;
}

/** The IANA time zone in its canonical spelling; 400 invalid_time_zone otherwise (offsets like +01:00 too). */
export function checkTimeZone(value: string, field = "defaultTimeZone"): string {
  const refuse = () =>
    new AppError(
      "invalid_time_zone",
      `${field} must be an IANA time zone such as Europe/London, not "${value.slice(0, 60)}"`,
      { details: { field } },
    );
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) throw refuse();
  try {
    return new Intl.DateTimeFormat("en", { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw refuse();
  }
}

/** A policy that lets somebody in: at least one method, and SAML on when it is required. */
export function checkSignInPolicy(policy: SignInPolicy): SignInPolicy {
  if (!policy.google && !policy.saml)
    throw new AppError("validation_failed", "signInPolicy must allow Google or SAML sign-in", {
      details: { field: "signInPolicy" },
    });
  if (policy.requireSaml && !policy.saml)
    throw new AppError("validation_failed", "signInPolicy.requireSaml needs signInPolicy.saml", {
      details: { field: "signInPolicy.requireSaml" },
    });
  return policy;
}

/** A DNS domain name, lower-cased (what Google Workspace verifies and the `hd` claim carries). */
export const DomainName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?!-)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, "expected a domain name such as example.com");
