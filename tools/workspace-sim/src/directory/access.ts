// Checks every Directory API call makes: the per-user query quota (403 userRateLimitExceeded), an
// admin caller, and a customer/domain that is the caller's own.
import { type ApiContext, callerUser } from "../api";
import { ApiError, userRateLimitExceeded } from "../errors";
import type { Org } from "../state";
import type { DirectoryUser } from "./directory-store";

export function chargeDirectory(ctx: ApiContext): void {
  const userKey = ctx.caller?.user?.id ?? ctx.caller?.token.serviceAccount ?? "anonymous";
  const limit = ctx.state.settings.directory.queriesPerMinute;
  if (!ctx.state.quotas.tryCharge(`${userKey}|directory`, 1, limit, ctx.state.now())) {
    throw userRateLimitExceeded("admin.googleapis.com");
  }
}

export const notAuthorized = () =>
  new ApiError({
    code: 403,
    status: "PERMISSION_DENIED",
    message: "Not Authorized to access this resource/api",
    reason: "forbidden",
  });

export function requireAdmin(ctx: ApiContext): { org: Org; user: DirectoryUser } {
  const caller = callerUser(ctx);
  if (!caller.user.isAdmin) throw notAuthorized();
  return caller;
}

/**
 * Reads the admin view: a super admin, or (the harsher reading, as a delegated admin's role may allow
 * it) a delegated admin, so a caller must check `isAdmin` itself to know it has a super admin.
 */
export function requireAdminReader(ctx: ApiContext): { org: Org; user: DirectoryUser } {
  const caller = callerUser(ctx);
  if (!caller.user.isAdmin && !caller.user.isDelegatedAdmin) throw notAuthorized();
  return caller;
}

/** customer=my_customer (or the org's id) or domain=<org domain>; one is required for list calls. */
export function requireCustomerOrDomain(
  ctx: ApiContext,
  org: Org,
  opts: { allowUserKey?: boolean } = {},
): void {
  const q = ctx.url.searchParams;
  const customer = q.get("customer");
  const domain = q.get("domain");
  if (!customer && !domain && !(opts.allowUserKey && q.get("userKey"))) {
    throw new ApiError({
      code: 400,
      status: "INVALID_ARGUMENT",
      message: "Bad Request",
      reason: "badRequest",
    });
  }
  if (customer && customer !== "my_customer" && customer !== org.customerId) throw notAuthorized();
  if (domain && domain.toLowerCase() !== org.domain) throw notAuthorized();
}

export function parseMaxResults(raw: string | null, max: number, dflt: number): number {
  if (raw === null || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ApiError({
      code: 400,
      status: "INVALID_ARGUMENT",
      message: `Invalid value '${raw}'. Values must be within the range: [1, ${max}]`,
      reason: "invalid",
    });
  }
  return n;
}
