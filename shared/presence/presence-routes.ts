// Presence routes (api function):
//  GET  /v1/presence?users=a,b,org/c   batch ≤200, viewer-aware: colleagues see state, reason, until and
//                                       public titles; outsiders only busy/available
//  PUT  /v1/presence/me                 manual DND with an optional end, or clear it
//  POST /v1/presence/:user/call-state   telephony reports a call; service-authenticated by a shared-secret
//                                       bearer (Secret Manager `telephony-service-token`), constant-time
import { z } from "zod";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import { checkIdentifier } from "../platform/identifiers";
import { PRESENCE_STATES, viewFor } from "./presence-engine";
import type { PresenceRepository } from "./presence-repository";

export { TELEPHONY_SECRET } from "../platform/service-token";
export const MAX_BATCH = 200;

export interface PresenceRouteDeps {
  presence: PresenceRepository;
  /** Whether the org has this user (call-state for anyone else is a 404); omitted in unit tests. */
  accountExists?: (orgId: string, userId: string) => Promise<boolean>;
  clock?: () => Date;
}

const ManualBody = z
  .object({
    state: z.enum(["dnd", "auto"]),
    /** ISO instant; omitted or null = until cleared. */
    until: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();

const CallBody = z
  .object({
    orgId: z.string().min(1).max(200),
    state: z.enum(["on_call", "idle"]),
    callId: z.string().min(1).max(200),
    /** When the telephony system observed it: reports older than the last one are ignored (reordering). */
    at: z.iso.datetime({ offset: true }),
  })
  .strict();

const ID = /^[\w.@+-]{1,200}$/;

/** One person's presence as a viewer may see it (presence-engine.ts viewFor). */
const PresenceAnswer = z.object({
  state: z.enum([...PRESENCE_STATES, "busy"]),
  reason: z.string(),
  until: z.iso.datetime().nullable(),
  title: z.string().optional(),
});
const PresenceList = z.object({
  presence: z.array(PresenceAnswer.extend({ orgId: z.string(), userId: z.string() })),
});

export function presenceRoutes(deps: PresenceRouteDeps): Route[] {
  const clock = deps.clock ?? (() => new Date());
  return [
    route({
      method: "GET",
      path: "/v1/presence",
      access: "user",
      summary:
        "Presence of up to 200 users (ids in your org, or org/user): state, reason, until, public titles to colleagues",
      query: { users: { description: "comma-separated user ids, or org/user (required, at most 200)" } },
      success: {
        status: 200,
        description: "{ presence: [{ orgId, userId, state, reason, until, title? }] }",
        schema: PresenceList,
      },
      async handler(ctx) {
        const viewer = principalOf(ctx);
        const raw = (ctx.query.get("users") ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        if (raw.length === 0)
          throw new AppError("invalid_request", "users is required (comma-separated ids)");
        if (raw.length > MAX_BATCH)
          throw new AppError("invalid_request", `At most ${MAX_BATCH} users per request`);
        const keys = [...new Set(raw)].map((r) => {
          const parts = r.split("/");
          const [a, b] = parts.length === 2 ? parts : parts.length === 1 ? [viewer.orgId, r] : [];
          if (!a || !b || !ID.test(a) || !ID.test(b))
            throw new AppError("invalid_request", `Bad user id ${r.slice(0, 100)}`);
          // Ids the store reserves (".", "..", "__x__") pass the character check; refuse them before any read.
          return { orgId: checkIdentifier("users", a), userId: checkIdentifier("users", b) };
        });
        const docs = await deps.presence.getMany(keys);
        const presence = keys.map((k, i) => {
          const d = docs[i];
          const view = d
            ? viewFor(d, k.orgId, viewer)
            : { state: "unknown" as const, reason: "unknown", until: null };
          return { orgId: k.orgId, userId: k.userId, ...view };
        });
        return { body: { presence } };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/presence/me",
      access: "user",
      body: ManualBody,
      summary: "Set or clear your manual Do-Not-Disturb (never overwritten by calendar or telephony)",
      success: { status: 200, description: "{ state, reason, until }", schema: PresenceAnswer },
      async handler(ctx) {
        const p = principalOf(ctx);
        const now = clock();
        const until = ctx.body.until ? new Date(ctx.body.until) : null;
        if (until && until.getTime() <= now.getTime())
          throw new AppError("validation_failed", "until must be in the future");
        const { doc } = await deps.presence.recompute(p.orgId, p.userId, (cur) => ({
          manual: ctx.body.state === "dnd" ? { state: "dnd", until, setAt: now } : null,
          call: cur.call,
          callReportedAt: cur.callReportedAt,
        }));
        return { body: viewFor(doc, p.orgId, p) };
      },
    }),
    route({
      method: "POST",
      path: "/v1/presence/:user/call-state",
      access: "service", // the phone system's bearer token, checked by the HTTP layer before the body
      body: CallBody,
      summary: "Telephony reports that a user started or ended a call (service bearer token)",
      success: { status: 200, description: "{ state, reason, until }", schema: PresenceAnswer },
      async handler(ctx) {
        const userId = ctx.params.user ?? "";
        const { orgId, state, callId } = ctx.body;
        if (!ID.test(orgId) || !ID.test(userId)) throw new AppError("invalid_request", "Bad org or user id");
        checkIdentifier("orgId", orgId);
        if (deps.accountExists && !(await deps.accountExists(orgId, userId)))
          throw new AppError("not_found", `No user ${userId} in organisation ${orgId}`);
        const at = new Date(ctx.body.at);
        const { doc } = await deps.presence.recompute(orgId, userId, (cur) => {
          if (cur.callReportedAt && cur.callReportedAt.getTime() > at.getTime()) return undefined; // stale report
          if (state === "idle" && cur.call && cur.call.callId !== callId) return undefined; // another call's end
          return {
            manual: cur.manual,
            call: state === "on_call" ? { callId, since: at, reportedAt: clock() } : null,
            callReportedAt: at,
          };
        });
        return { body: viewFor(doc, orgId, { orgId }) };
      },
    }),
  ];
}
