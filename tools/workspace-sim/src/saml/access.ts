import type { SamlOrg, SamlUser } from "./index";

/**
 * Why Google refuses a sign-in. Google shows an error page (it never POSTs a SAML error response
 * to the SP); the codes are the ones its error pages show. `app_not_configured_for_user` is an
 * entity-ID mismatch; `app_not_enabled_for_user` is the app switched OFF for the user's org unit and
 * groups (goauthentik/authentik#12701; the Reports API's SAML `failure_type` values
 * `failure_app_not_configured_for_user` and `failure_app_not_enabled_for_user`).
 */
export type RefusalCode =
  | "invalid_request"
  | "unknown_idp"
  | "app_not_configured"
  | "app_not_configured_for_user"
  | "app_not_enabled_for_user"
  | "account_disabled"
  | "login_required"
  // Admin console refusals (certificate management), not sign-in pages.
  | "certificate_limit_reached"
  | "certificate_in_use"
  | "unknown_certificate";

export class SamlIdpError extends Error {
  override readonly name = "SamlIdpError";
  constructor(
    readonly code: RefusalCode,
    readonly status: number,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }
}

export function normaliseOrgUnit(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/** "/Sales/EMEA" → ["/", "/Sales", "/Sales/EMEA"]: a child OU inherits its parents' app setting. */
export function orgUnitLineage(path: string): string[] {
  const normalised = normaliseOrgUnit(path);
  if (normalised === "/") return ["/"];
  const parts = normalised.split("/").filter(Boolean);
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

export function findUser(org: SamlOrg, email: string): SamlUser | undefined {
  const wanted = email.trim().toLowerCase();
  return org.users.find((u) => u.email.toLowerCase() === wanted);
}

/** Google: the app is ON for the user's OU (or an ancestor OU) or for one of the user's groups. */
export function appEnabledFor(org: SamlOrg, user: SamlUser): boolean {
  const ous = new Set(org.appEnabledFor.orgUnits.map(normaliseOrgUnit));
  if (orgUnitLineage(user.orgUnitPath).some((ou) => ous.has(ou))) return true;
  const groups = new Set(org.appEnabledFor.groups.map((g) => g.toLowerCase()));
  return user.groups.some((g) => groups.has(g.toLowerCase()));
}

/** The user Google would sign in, or the refusal Google would show. */
export function authorise(org: SamlOrg, email: string): SamlUser {
  const user = findUser(org, email);
  if (!user) {
    throw new SamlIdpError(
      "app_not_configured_for_user",
      403,
      `Service is not configured for this user (${email} is not a user of ${org.domain}).`,
    );
  }
  if (user.suspended) {
    throw new SamlIdpError("account_disabled", 403, `The account ${user.email} has been suspended.`);
  }
  if (!appEnabledFor(org, user)) {
    throw new SamlIdpError(
      "app_not_enabled_for_user",
      403,
      `Service is not enabled for this user (the app is OFF for ${user.email}'s organisational unit and groups).`,
    );
  }
  return user;
}
