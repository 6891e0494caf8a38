// The admin's views: the setup checklist, SSO, the directory's connection and last sync, provisioning
// preview and apply (apply sends back the preview's version and hash, so nothing unseen is applied),
// and integration health.
import { action, field, form, h, say, section, table } from "./dom";
import type { ViewContext } from "./user-views";

const json = (value: unknown) => h("pre", {}, JSON.stringify(value, null, 2));

export async function adminView(ctx: ViewContext): Promise<HTMLElement> {
  const api = ctx.client;
  const [setup, sso, directory, health] = await Promise.all([
    api.call((c) => c.GET("/v1/admin/setup")),
    api.call((c) => c.GET("/v1/admin/sso")).catch((e: unknown) => ({ error: (e as Error).message })),
    api.call((c) => c.GET("/v1/admin/directory/status")),
    api.call((c) => c.GET("/v1/admin/integrations/health")),
  ]);
  const preview = h("div", { "aria-live": "polite" });
  const showPreview = async () => {
    const diff = await api.call((c) => c.GET("/v1/admin/provisioning/preview"));
    preview.replaceChildren(
      diff.changes.length === 0
        ? h("p", {}, "Nothing to change: Switchboard matches the directory.")
        : table(
            ["Change", "Person", "Why"],
            diff.changes.map((c) => [
              c.action + (c.linksExisting ? " (links the existing account)" : ""),
              c.profile ? `${c.profile.displayName} <${c.profile.email}>` : c.workspaceId,
              c.reason,
            ]),
            "Provisioning changes",
          ),
      diff.changes.length === 0
        ? ""
        : action("Apply these changes", async () => {
            const applied = await ctx.client.call((c) =>
              c.POST("/v1/admin/provisioning/apply", {
                body: { directoryVersion: diff.directoryVersion, diffHash: diff.diffHash },
              }),
            );
            say(`Applied ${applied.applied} change(s), ${applied.failed.length} failed`);
            await showPreview();
          }),
    );
  };
  return h(
    "div",
    {},
    section(
      "Setup checklist",
      h("p", {}, setup.complete ? "Setup is complete." : "Setup is not complete yet."),
      table(
        ["Step", "State", "Missing"],
        setup.steps.map((s) => [s.step, s.state, [s.missing ?? []].flat().join(", ")]),
        "Setup steps",
      ),
    ),
    section("Single sign-on", json(sso)),
    section(
      "Directory",
      json(directory),
      directory.connection
        ? action("Sync the directory now", async () => {
            await ctx.client.call((c) => c.POST("/v1/admin/directory/sync"));
            say("Directory sync requested");
          })
        : action(`Connect with domain-wide delegation as ${ctx.me.email}`, async () => {
            await ctx.client.call((c) =>
              c.PUT("/v1/admin/directory/connection", {
                body: { mode: "delegation", impersonate: ctx.me.email },
              }),
            );
            say("Directory connected; its first sync is running");
            await ctx.refresh();
          }),
    ),
    section(
      "Provisioning",
      form(
        async ({ ous }) => {
          const paths = (ous ?? "")
            .split(",")
            .map((p) => p.trim())
            .filter(Boolean);
          await ctx.client.call((c) =>
            c.PUT("/v1/admin/provisioning/settings", {
              body: {
                scope:
                  paths.length > 0 ? { kind: "orgUnits", paths, includeSubUnits: true } : { kind: "domain" },
                mode: "preview",
              },
            }),
          );
          say("Provisioning rules saved (changes are applied only from a preview)");
        },
        field("Organisational units (comma-separated; empty: the whole domain)", "ous", {
          placeholder: "/Sales, /Support",
        }),
        h("button", {}, "Save rules"),
      ),
      action("Preview changes", showPreview),
      preview,
    ),
    section(
      "Integration health",
      table(
        [
          "Integration",
          "Connected",
          "Re-consent",
          "Partial",
          "Failing syncs",
          "Never synced",
          "Oldest sync",
          "Channels",
          "Dead letters",
        ],
        health.integrations.map((i) => [
          i.name,
          i.connected,
          i.needsReauth,
          i.partial,
          i.sync?.failing ?? "",
          i.sync?.neverSynced ?? "",
          i.sync?.oldestSyncAt ? new Date(i.sync.oldestSyncAt).toLocaleString() : "",
          i.channels
            ? `${i.channels.active} active, ${i.channels.expiringWithinDay} expiring, ${i.channels.polling} polling`
            : "",
          i.deliveries?.deadLettered ?? "",
        ]),
        "Integration health",
      ),
    ),
  );
}
