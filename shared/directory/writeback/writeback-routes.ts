// Admin routes of directory write-back (mounted in the api function): the org's switch and whether
// Google has granted the write scope, a user's assigned numbers and profile edits (each queued as a
// write to their Workspace profile), and where a user's write-back stands.
import { z } from "zod";
import type { UserAccount } from "../../accounts";
import { publishAuditEvent } from "../../audit";
import { toE164 } from "../../contacts";
import { AppError } from "../../platform/errors";
import { principalOf, type Route, route } from "../../platform/http";
import type { DirectoryServices } from "../directory-services";
import type { NumberAssignment } from "./writeback-merge";
import { requestWriteBack, requestWriteBackSweep } from "./writeback-messages";
import type { WriteBackChange, WriteBackRecord } from "./writeback-records";
import { writeBackDeps } from "./writeback-services";
import { WriteBackSettings } from "./writeback-settings";
import type { WriteBackDeps } from "./writeback-user";

/** Org and user ids as Switchboard mints them. */
const UserIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

const NumbersBody = z.object({
  /** International format; null removes it. */
  directNumber: z
    .string()
    .max(40)
    .nullable()
    .transform((raw, ctx) => {
      if (raw === null || raw.trim() === "") return null;
      const e164 = toE164(raw, "ZZ");
      if (!e164) {
        ctx.addIssue({ code: "custom", message: "must be an international number such as +14155550123" });
        return z.NEVER;
      }
      return e164;
    }),
  extension: z
    .string()
    .regex(/^\d{2,8}$/, "must be 2 to 8 digits")
    .nullable(),
});

const ProfileBody = z
  .object({
    givenName: z.string().trim().min(1).max(60).optional(),
    familyName: z.string().trim().min(1).max(60).optional(),
    department: z.string().trim().max(100).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "give at least one of givenName, familyName, department");

type Access = { state: "checking" | "ready" | "needs_permission" | "off"; reason: string | null };

const view = (r: WriteBackRecord) => ({
  numbers: r.numbers,
  profile: r.profile,
  status: r.status,
  reason: r.reason,
  pending: r.pending,
  version: r.version,
  conflicts: r.conflicts,
  lastWriteAt: r.lastWriteAt,
  writes: r.writes,
});

/** `make` runs on the first request (never at cold start) and its services are kept. */
export function writeBackRoutes(make: () => DirectoryServices): Route[] {
  let built: { directory: DirectoryServices; deps: WriteBackDeps } | undefined;
  const services = () => {
    if (!built) {
      const directory = make();
      built = { directory, deps: writeBackDeps(directory) };
    }
    return built;
  };

  async function access(orgId: string): Promise<Access> {
    const { deps } = services();
    if (!(await deps.settings.get(orgId)).enabled)
      return { state: "off", reason: "Directory write-back is turned off" };
    const found = await deps.settings.access(orgId);
    return found ? { state: found.state, reason: found.reason } : { state: "checking", reason: null };
  }

  async function accountOf(orgId: string, rawUserId: string | undefined): Promise<UserAccount> {
    const userId = UserIdParam.safeParse(rawUserId);
    if (!userId.success) throw new AppError("invalid_request", "Bad user id");
    const account = await services().directory.apply.users.get(orgId, userId.data);
    if (!account) throw new AppError("not_found", `No user ${userId.data} in this organisation`);
    return account;
  }

  /** Records a Switchboard-side change and queues its write (unless nothing changed, or write-back is off). */
  async function recordChange(orgId: string, userId: string, change: WriteBackChange) {
    const { deps } = services();
    const changed = await deps.records.change(orgId, userId, change, deps.clock());
    let writeBack: "queued" | "unchanged" | "off" = "unchanged";
    if (changed) {
      writeBack = (await deps.settings.get(orgId)).enabled ? "queued" : "off";
      if (writeBack === "queued") await requestWriteBack(deps.publisher, orgId, userId);
    }
    const record = changed ?? (await deps.records.get(orgId, userId));
    return { record, writeBack };
  }

  async function assignNumbers(orgId: string, rawUserId: string | undefined, numbers: NumberAssignment) {
    const account = await accountOf(orgId, rawUserId);
    const { record, writeBack } = await recordChange(orgId, account.id, { numbers });
    return { status: 202, body: { numbers, writeBack, status: record?.status ?? null } };
  }

  return [
    route({
      method: "GET",
      path: "/v1/admin/directory/writeback",
      access: "admin",
      summary: "Directory write-back: the org's settings and whether Google granted the write scope",
      success: {
        status: 200,
        description: "{ settings, access: { state: checking|ready|needs_permission|off, reason } }",
      },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        return { body: { settings: await services().deps.settings.get(orgId), access: await access(orgId) } };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/admin/directory/writeback",
      access: "admin",
      body: WriteBackSettings,
      summary:
        "Turns directory write-back on or off (numbers; optionally names and department). Turning it on queues every pending user",
      success: { status: 200, description: "{ settings, access }" },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const { deps } = services();
        const settings = await deps.settings.save(principal.orgId, ctx.body);
        // Saving again re-checks Google's permission now (after an admin granted the scope, say).
        if (settings.enabled)
          await deps.settings.saveAccess(principal.orgId, {
            state: "checking",
            reason: null,
            at: deps.clock().toISOString(),
          });
        await publishAuditEvent(deps.publisher, {
          orgId: principal.orgId,
          action: "directory.writeback_settings_changed",
          outcome: "success",
          actor: { type: "admin", id: principal.userId },
          details: { enabled: settings.enabled, names: settings.names, department: settings.department },
        });
        if (settings.enabled) await requestWriteBackSweep(deps.publisher, principal.orgId);
        return { body: { settings, access: await access(principal.orgId) } };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/admin/users/:userId/numbers",
      access: "admin",
      body: NumbersBody,
      summary:
        "Sets a user's direct number and extension (null removes one); they are written to the user's Workspace profile",
      success: { status: 202, description: "{ numbers, writeBack: queued|unchanged|off, status }" },
      async handler(ctx) {
        return assignNumbers(principalOf(ctx).orgId, ctx.params.userId, ctx.body);
      },
    }),
    route({
      method: "PUT",
      path: "/v1/telephony/orgs/:orgId/users/:userId/numbers",
      access: "service", // the phone system's bearer token, checked by the HTTP layer before the body
      body: NumbersBody,
      summary:
        "The phone system reports a user's direct number and extension (telephony service token); written to Workspace as the admin route does",
      success: { status: 202, description: "{ numbers, writeBack: queued|unchanged|off, status }" },
      async handler(ctx) {
        const orgId = UserIdParam.safeParse(ctx.params.orgId);
        if (!orgId.success) throw new AppError("invalid_request", "Bad organisation id");
        return assignNumbers(orgId.data, ctx.params.userId, ctx.body);
      },
    }),
    route({
      method: "PATCH",
      path: "/v1/admin/users/:userId/profile",
      access: "admin",
      body: ProfileBody,
      summary:
        "Changes a provisioned user's name or department, written to Workspace (only where the org turned that write-back on)",
      success: { status: 202, description: "{ profile, writeBack: queued|unchanged, status }" },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        const account = await accountOf(orgId, ctx.params.userId);
        const { deps, directory } = services();
        const settings = await deps.settings.get(orgId);
        const { givenName, familyName, department } = ctx.body;
        const wantsName = givenName !== undefined || familyName !== undefined;
        if (account.managedBy !== "provisioning" || !account.workspaceId)
          throw new AppError("conflict", "This user is not managed by directory provisioning");
        if (wantsName && !(settings.enabled && settings.names))
          throw new AppError(
            "conflict",
            "Names come from Google Workspace: change them there, or turn on name write-back",
            { details: { field: "name" } },
          );
        if (department !== undefined && !(settings.enabled && settings.department))
          throw new AppError(
            "conflict",
            "Departments come from Google Workspace: change them there, or turn on department write-back",
            { details: { field: "department" } },
          );
        let change: WriteBackChange = {};
        if (wantsName) {
          // The name as last synced from Google is the base a conflicting Google edit is told apart by.
          const synced = (await directory.snapshot.readUsers(orgId, [account.workspaceId])).get(
            account.workspaceId,
          );
          const current = (await deps.records.get(orgId, account.id))?.profile.name;
          const syncedName = synced
            ? { givenName: synced.givenName, familyName: synced.familyName }
            : undefined;
          const before = current ?? syncedName ?? { givenName: "", familyName: "" };
          change = {
            name: { givenName: givenName ?? before.givenName, familyName: familyName ?? before.familyName },
            ...(syncedName ? { syncedName } : {}),
          };
        }
        if (department !== undefined) change = { ...change, department };
        const { record, writeBack } = await recordChange(orgId, account.id, change);
        return {
          status: 202,
          body: { profile: record?.profile ?? {}, writeBack, status: record?.status ?? null },
        };
      },
    }),
    route({
      method: "GET",
      path: "/v1/admin/users/:userId/writeback",
      access: "admin",
      summary: "Where a user's write-back stands: numbers, profile edits, status, recent conflicts",
      success: {
        status: 200,
        description: "{ numbers, profile, status, reason, pending, conflicts, lastWriteAt }",
      },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        const account = await accountOf(orgId, ctx.params.userId);
        const record = await services().deps.records.get(orgId, account.id);
        if (!record) throw new AppError("not_found", "Nothing has been assigned to this user yet");
        return { body: view(record) };
      },
    }),
  ];
}
