// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are HCL interpolations as hcl2json renders them, not JS templates.
// Observability in Terraform: every alert the operators need exists, goes to the notification channels
// and says what to do; every log-based metric counts an event the code really logs (a renamed log event
// would silently zero the metric); the dead-letter alert watches exactly the inspect subscriptions.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { allTopics, deadLetterTopic, loadManifest } from "../functions/manifest";
import { inspectSubscription } from "../tools/dlq/dead-letters";

type Json = Record<string, unknown>;
const TF_DIR = fileURLToPath(new URL(".", import.meta.url));
const SHARED = join(TF_DIR, "../shared");
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Json;
let resources: Record<string, Record<string, Json>> = {};
let locals: Json = {};
let variables: Json = {};

beforeAll(async () => {
  const json = (await parse("monitoring.tf", readFileSync(join(TF_DIR, "monitoring.tf"), "utf8"))) as Json;
  resources = Object.fromEntries(
    Object.entries(json.resource as Json).map(([type, byName]) => [
      type,
      Object.fromEntries(Object.entries(byName as Json).map(([n, b]) => [n, first(b)])),
    ]),
  );
  locals = Object.assign({}, ...(json.locals as Json[]));
  const vars = (await parse("variables.tf", readFileSync(join(TF_DIR, "variables.tf"), "utf8"))) as Json;
  variables = vars.variable as Json;
});

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")
        ? [readFileSync(join(dir, e.name), "utf8")]
        : [],
  );
}

const policies = () => resources.google_monitoring_alert_policy ?? {};

describe("monitoring", () => {
  it("alerts on dead letters, 5xx ratio, refresh failures, needs_reauth, renewals, stale cursors and function errors", () => {
    expect(Object.keys(policies()).sort()).toEqual([
      "dead_letters",
      "event",
      "function_errors",
      "http_5xx_ratio",
      "stale_sync_cursors",
    ]);
    expect(Object.keys(locals.event_alerts as Json).sort()).toEqual([
      "channel_renewal_failures",
      "needs_reauth",
      "token_refresh_failures",
    ]);
    expect(Object.keys(locals.event_metrics as Json).sort()).toEqual(
      Object.keys(locals.event_alerts as Json).sort(),
    );
  });

  it("sends every alert to the notification channels, with what to do", () => {
    for (const [name, policy] of Object.entries(policies())) {
      expect(policy.notification_channels, name).toBe("${var.notification_channels}");
      const content = String(first(policy.documentation).content);
      if (name === "event") expect(content).toBe("${each.value.runbook}");
      else expect(content.length, name).toBeGreaterThan(40);
    }
    for (const [name, alert] of Object.entries(locals.event_alerts as Record<string, Json>))
      expect(String(alert.runbook).length, name).toBeGreaterThan(40);
    expect(first(variables.notification_channels).default).toEqual([]);
  });

  it("counts only log events the code emits", () => {
    const code = sources(SHARED).join("\n");
    const events = Object.values(locals.event_metrics as Record<string, Json>).map((m) => String(m.event));
    expect(events.sort()).toEqual(["calendar.renewal_failed", "grant.needs_reauth", "token_refresh.failed"]);
    for (const event of [...events, "channels.renewal"])
      expect(code, `a log line "${event}"`).toMatch(
        new RegExp(`\\.(info|warn|error)\\(\\s*"${event.replace(".", "\\.")}"`),
      );
    expect(code, "channels.renewal reports reconciled").toMatch(/reconciled: stale\.length/);
  });

  it("watches exactly the dead-letter inspect subscriptions (evaluated against the manifest's topics)", () => {
    const filter = String(
      (first(policies().dead_letters?.conditions).condition_threshold as Json[] | Json) &&
        first(first(policies().dead_letters?.conditions).condition_threshold).filter,
    );
    const pattern = filter.match(/full_match\(\\?"([^"\\]+)\\?"\)/)?.[1];
    expect(pattern).toBe(".*-dead-letter-inspect");
    const re = new RegExp(`^${pattern}$`);
    for (const topic of allTopics(loadManifest())) {
      expect(re.test(inspectSubscription(topic)), topic).toBe(true);
      expect(re.test(`${topic}-push`), `${topic}-push`).toBe(false);
      expect(re.test(deadLetterTopic(topic))).toBe(false);
    }
  });

  it("alerts on metrics that are declared, and compares the 5xx share with all requests of the HTTP functions", () => {
    const declared = Object.keys(resources.google_logging_metric ?? {});
    expect(declared.sort()).toEqual(["event", "function_errors", "stale_sync_cursors"]);
    expect(String(locals.user_metric)).toContain(
      'concat(keys(local.event_metrics), ["function_errors", "stale_sync_cursors"])',
    );
    const ratio = first(first(policies().http_5xx_ratio?.conditions).condition_threshold);
    expect(ratio.filter).toContain('response_code_class="5xx"');
    expect(ratio.denominator_filter).not.toContain("5xx");
    expect(String(locals.http_services_filter)).toContain("keys(local.http_functions)");
    expect(resources.google_monitoring_dashboard?.switchboard).toBeDefined();
  });
});
