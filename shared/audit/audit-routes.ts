// The admin's view of the organisation's audit trail.

import { z } from "zod";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import { pageCursor } from "../platform/page-cursor";
import { AuditEvent } from "./audit-event";
import { AuditPosition, type AuditRepository } from "./audit-repository";

/** `pageToken` was this route's parameter before every list took `cursor`; clients still send it. */
const auditCursor = pageCursor("audit", AuditPosition, {
  aliases: ["pageToken"],
  // The format before: base64url of [millis, id]. Read so paging in progress survives the deploy.
  legacy: (text) => {
    try {
      const [at, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [unknown, unknown];
      return { at, id } as AuditPosition;
    } catch {
      return undefined;
    }
  },
});

export function auditRoutes(deps: { audit: AuditRepository }): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/admin/audit",
      access: "admin",
      summary:
        "The organisation's audit events, newest first (pageSize 1–200, cursor; pageToken is still accepted)",
      query: {
        pageSize: { description: "page size, 1–200" },
        cursor: { description: "nextCursor of the previous page" },
        pageToken: { description: "the same cursor, older name" },
      },
      success: {
        status: 200,
        description:
          "{ events, nextCursor: string | null, nextPageToken?: string (the same cursor, older name) }",
        schema: z.object({
          events: z.array(AuditEvent),
          nextCursor: z.string().nullable(),
          nextPageToken: z.string().optional(),
        }),
      },
      handler: async (ctx) => {
        const pageSizeText = ctx.query.get("pageSize");
        const pageSize = pageSizeText === null ? 50 : Number(pageSizeText);
        if (!Number.isInteger(pageSize)) throw new AppError("invalid_request", "pageSize must be an integer");
        const after = auditCursor.read(ctx.query);
        const page = await deps.audit.list(principalOf(ctx).orgId, { pageSize, ...(after ? { after } : {}) });
        const nextCursor = page.next ? auditCursor.encode(page.next) : null;
        return {
          body: { events: page.events, nextCursor, ...(nextCursor ? { nextPageToken: nextCursor } : {}) },
        };
      },
    }),
  ];
}
