// domains.list of the Admin SDK Directory API: the customer's verified domains (primary first).
// https://developers.google.com/admin-sdk/directory/reference/rest/v1/domains/list
import type { ApiContext, ApiResult } from "../api";
import { isoTime } from "../clock";
import { notAuthorized, requireAdminReader } from "./access";

export function listDomains(ctx: ApiContext): ApiResult {
  const { org } = requireAdminReader(ctx);
  const customer = ctx.params.customerId ?? "";
  if (customer !== "my_customer" && customer !== org.customerId) throw notAuthorized();
  const domain = (domainName: string, isPrimary: boolean) => ({
    kind: "admin#directory#domain",
    etag: `"${org.id}-${domainName}"`,
    domainName,
    isPrimary,
    verified: true,
    creationTime: isoTime(0),
  });
  return {
    json: {
      kind: "admin#directory#domains",
      etag: `"${org.id}-domains"`,
      domains: [domain(org.domain, true), ...org.secondaryDomains.map((d) => domain(d, false))],
    },
  };
}
