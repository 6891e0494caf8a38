// Admin routes of the directory capability (mounted in the api function): the connection and its
// health, provisioning settings, the preview/apply pair, the picker and invites.
import { z } from "zod";
import { publishAuditEvent } from "../audit";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import { isIdentifier } from "../platform/identifiers";
import { ApplyAnswer, DirectoryPage, InviteAnswer, PreviewAnswer } from "./directory-answers";
import { browseDirectory, pickerCursor } from "./directory-picker";
import type { DirectoryServices } from "./directory-services";
import { jsonHash } from "./directory-snapshot";
import { computeFullDiff, mirrorDepartmentsAfter } from "./directory-sync";
import { DirectorySyncMessage } from "./directory-sync-worker";
import { inviteUsers } from "./invite-users";
import { applyProvisioningChanges } from "./provisioning-apply";
import type { ProvisioningDiff } from "./provisioning-diff";
import { DirectoryConnectionSchema, ProvisioningSettings } from "./provisioning-settings";
import { SyncRun, SyncSummary } from "./sync-state";
import { userWatchExpiry } from "./watch-channels";

const PutConnection = z.discriminatedUnion("mode", [
  /** The calling admin's own `directory` integration grant (connect it first). */
  z.object({ mode: z.literal("admin_grant") }),
  /** Domain-wide delegation: the key in Secret Manager `directory-sa-key`, acting as this admin. */
  z.object({ mode: z.literal("delegation"), impersonate: z.email() }),
]);

const ApplyBody = z.object({
  directoryVersion: z.number().int().min(0),
  diffHash: z.string().min(10).max(100),
});
/** Workspace ids name stored documents, so each is held to the identifier rule. */
const InviteBody = z.object({
  workspaceIds: z.array(z.string().min(1).max(100).refine(isIdentifier, "is not a valid id")).min(1).max(500),
});

/** The diff's identity for apply: its changes without the due dates (they move with the clock). */
export const diffHashOf = (diff: ProvisioningDiff): string =>
  jsonHash(diff.changes.map((c) => (c.action === "deprovision" ? { ...c, dueAt: undefined } : c)));

/** `make` runs on the first request (never at cold start) and its services are kept. */
export function directoryAdminRoutes(make: () => DirectoryServices): Route[] {
  let built: DirectoryServices | undefined;
  const services = () => {
    built ??= make();
    return built;
  };
  const audit = (
    orgId: string,
    adminId: string,
    action: string,
    details: Record<string, string | number | boolean>,
  ) =>
    publishAuditEvent(services().env.identity.deps.publisher, {
      orgId,
      action,
      outcome: "success",
      actor: { type: "admin", id: adminId },
      details,
    });
  const requestSync = (orgId: string, reason: "connect" | "admin") =>
    services().env.identity.deps.publisher.publish(
      DirectorySyncMessage,
      { kind: "full-sync", orgId, reason },
      { orderingKey: orgId },
    );

  return [
    route({
      method: "GET",
      path: "/v1/admin/directory/status",
      access: "admin",
      summary:
        "How the directory is connected (admin grant or domain-wide delegation), its health and the last sync",
      success: {
        status: 200,
        description: "{ connection, healthy, lastError, lastSync, syncInProgress, lastPushAt, watch }",
        schema: z.object({
          connection: DirectoryConnectionSchema.nullable(),
          healthy: z.boolean(),
          lastError: z.object({ at: z.string(), message: z.string() }).nullable(),
          lastSync: SyncSummary.nullable(),
          syncInProgress: SyncRun.nullable(),
          lastPushAt: z.string().nullable(),
          watch: z.object({ expiresAt: z.iso.datetime() }).nullable(),
        }),
      },
      async handler(ctx) {
        const { orgId } = principalOf(ctx);
        const s = services();
        const [connection, state, expiry] = await Promise.all([
          s.settings.connection(orgId),
          s.syncState.get(orgId),
          userWatchExpiry(s.ledger, orgId),
        ]);
        return {
          body: {
            connection: connection ?? null,
            healthy: connection !== undefined && state.lastError === null,
            lastError: state.lastError,
            lastSync: state.lastSync,
            syncInProgress: state.run,
            lastPushAt: state.lastPushAt,
            watch: expiry ? { expiresAt: expiry.toISOString() } : null,
          },
        };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/admin/directory/connection",
      access: "admin",
      body: PutConnection,
      summary: "Connects the directory (admin grant or domain-wide delegation) and starts a full sync",
      success: {
        status: 202,
        description: "{ connection }",
        schema: z.object({ connection: DirectoryConnectionSchema }),
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const connection =
          ctx.body.mode === "admin_grant"
            ? { mode: "admin_grant" as const, adminUserId: principal.userId }
            : { mode: "delegation" as const, impersonate: ctx.body.impersonate };
        await services().settings.saveConnection(principal.orgId, connection);
        await audit(principal.orgId, principal.userId, "directory.connected", { mode: connection.mode });
        await requestSync(principal.orgId, "connect");
        return { status: 202, body: { connection } };
      },
    }),
    route({
      method: "POST",
      path: "/v1/admin/directory/sync",
      access: "admin",
      summary: "Starts a full directory sync now",
      success: {
        status: 202,
        description: "{ requested: true }",
        schema: z.object({ requested: z.literal(true) }),
      },
      async handler(ctx) {
        await requestSync(principalOf(ctx).orgId, "admin");
        return { status: 202, body: { requested: true } };
      },
    }),
    route({
      method: "GET",
      path: "/v1/admin/provisioning/settings",
      access: "admin",
      summary: "The provisioning rules",
      success: {
        status: 200,
        description: "{ settings: ProvisioningSettings | null }",
        schema: z.object({ settings: ProvisioningSettings.nullable() }),
      },
      async handler(ctx) {
        return { body: { settings: (await services().settings.get(principalOf(ctx).orgId)) ?? null } };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/admin/provisioning/settings",
      access: "admin",
      body: ProvisioningSettings,
      summary:
        "Sets the provisioning rules (scope, licence, departments, deprovisioning, grace, mode, seats)",
      success: {
        status: 200,
        description: "{ settings: ProvisioningSettings }",
        schema: z.object({ settings: ProvisioningSettings }),
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const settings = await services().settings.save(principal.orgId, ctx.body);
        await audit(principal.orgId, principal.userId, "provisioning.settings_changed", {
          mode: settings.mode,
          scope: settings.scope.kind,
        });
        return { body: { settings } };
      },
    }),
    route({
      method: "GET",
      path: "/v1/admin/provisioning/preview",
      access: "admin",
      summary:
        "The exact provisioning diff (create, update, suspend, deprovision, each with its reason) and what needs attention",
      success: {
        status: 200,
        description: "{ directoryVersion, diffHash, changes, report }",
        schema: PreviewAnswer,
      },
      async handler(ctx) {
        const computed = await computeFullDiff(services(), principalOf(ctx).orgId);
        if (!computed) throw new AppError("not_found", "Provisioning is not configured");
        return {
          body: { directoryVersion: computed.version, diffHash: diffHashOf(computed.diff), ...computed.diff },
        };
      },
    }),
    route({
      method: "POST",
      path: "/v1/admin/provisioning/apply",
      access: "admin",
      body: ApplyBody,
      summary:
        "Applies a previewed diff, only if the directory and the diff are unchanged since the preview (else 409)",
      success: { status: 200, description: "{ applied, failed, report }", schema: ApplyAnswer },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const s = services();
        const computed = await computeFullDiff(s, principal.orgId);
        const settings = await s.settings.get(principal.orgId);
        if (!computed || !settings) throw new AppError("not_found", "Provisioning is not configured");
        if (
          computed.version !== ctx.body.directoryVersion ||
          diffHashOf(computed.diff) !== ctx.body.diffHash
        ) {
          throw new AppError("conflict", "The directory changed since the preview; preview again", {
            details: { directoryVersion: computed.version },
          });
        }
        const result = await applyProvisioningChanges(
          s.apply,
          principal.orgId,
          settings,
          computed.diff.changes,
          {
            type: "admin",
            id: principal.userId,
          },
        );
        await mirrorDepartmentsAfter(s, principal.orgId, computed.accounts, result);
        return { body: { ...result, report: computed.diff.report } };
      },
    }),
    route({
      method: "GET",
      path: "/v1/admin/directory/users",
      access: "admin",
      summary:
        "Browse or search (email prefix) the synced directory by OU or group, with each person's Switchboard status (limit, cursor)",
      query: {
        q: { description: "email prefix" },
        ou: { description: "organisational unit path" },
        group: { description: "group email or id" },
        limit: { description: "page size, 1–200" },
        cursor: { description: "nextCursor of the previous page" },
      },
      success: {
        status: 200,
        description:
          "{ users, nextCursor }: follow nextCursor until it is null; a sparse filter may give a short or empty page before it",
        schema: DirectoryPage,
      },
      async handler(ctx) {
        const get = (k: string) => ctx.query.get(k) || undefined;
        const limit = Math.min(200, Math.max(1, Number(ctx.query.get("limit") ?? 50) || 50));
        const q = get("q");
        const ou = get("ou");
        const group = get("group");
        const after = pickerCursor.read(ctx.query);
        const page = await browseDirectory(services().db, principalOf(ctx).orgId, {
          limit,
          ...(q ? { q } : {}),
          ...(ou ? { ou } : {}),
          ...(group ? { group } : {}),
          ...(after ? { after } : {}),
        });
        return { body: page };
      },
    }),
    route({
      method: "POST",
      path: "/v1/admin/invites",
      access: "admin",
      body: InviteBody,
      summary:
        "Invites chosen directory people (idempotent: already-invited people are reported, not duplicated)",
      success: {
        status: 200,
        description: "{ results: [{ workspaceId, outcome, accountId }] }",
        schema: InviteAnswer,
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const s = services();
        const settings = await s.settings.get(principal.orgId);
        const results = await inviteUsers(
          { ...s.apply, snapshot: s.snapshot },
          principal.orgId,
          settings,
          ctx.body.workspaceIds,
          principal.userId,
        );
        return { body: { results } };
      },
    }),
  ];
}
