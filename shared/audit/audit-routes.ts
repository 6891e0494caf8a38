// The admin's view of the organisation's audit trail.
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import type { AuditRepository } from "./audit-repository";

export function auditRoutes(deps: { audit: AuditRepository }): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/admin/audit",
      access: "admin",
      summary: "The organisation's audit events, newest first (pageSize 1–200, pageToken)",
      handler: async (ctx) => {
        const pageSizeText = ctx.query.get("pageSize");
        const pageSize = pageSizeText === null ? 50 : Number(pageSizeText);
        if (!Number.isInteger(pageSize)) throw new AppError("invalid_request", "pageSize must be an integer");
        const pageToken = ctx.query.get("pageToken") ?? undefined;
        return {
          body: await deps.audit.list(principalOf(ctx).orgId, {
            pageSize,
            ...(pageToken ? { pageToken } : {}),
          }),
        };
      },
    }),
  ];
}
