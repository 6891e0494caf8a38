// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are HCL interpolations as hcl2json renders them, not JS templates.
// The optional public edge: off by default; when on, the load balancer sends every route to the function
// that serves it (evaluated against the real route tables), Cloud Armor rate-limits the ACS, the session
// endpoints and the webhooks per address, and the public functions accept only the balancer's traffic.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { processGraph } from "../shared/wiring/process-graph";
import { apiRoutes } from "../shared/wiring/roots/api";
import { authRouteTable } from "../shared/wiring/roots/auth";
import { webhookRoutes } from "../shared/wiring/roots/webhooks";

type Json = Record<string, unknown>;
const TF_DIR = fileURLToPath(new URL(".", import.meta.url));
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Json;
let resources: Record<string, Record<string, Json>> = {};
let locals: Json = {};
let main: Json = {};
let variables: Json = {};

beforeAll(async () => {
  const read = async (file: string) => (await parse(file, readFileSync(join(TF_DIR, file), "utf8"))) as Json;
  const edge = await read("edge.tf");
  resources = Object.fromEntries(
    Object.entries(edge.resource as Json).map(([type, byName]) => [
      type,
      Object.fromEntries(Object.entries(byName as Json).map(([n, b]) => [n, first(b)])),
    ]),
  );
  locals = Object.assign({}, ...(edge.locals as Json[]));
  main = await read("main.tf");
  variables = (await read("variables.tf")).variable as Json;
});

/** The route tables, built without adapters (they are resolved lazily, on a request). */
function servedPaths(): Record<string, string[]> {
  const none = () => {
    throw new Error("no adapters in this test");
  };
  const graph = processGraph({
    firestore: none,
    secrets: none,
    publisher: none,
    config: none,
    clock: () => new Date(),
  } as never);
  return {
    api: apiRoutes(graph).map((r) => r.path),
    auth: authRouteTable(graph).map((r) => r.path),
    webhooks: webhookRoutes(graph).map((r) => r.path),
  };
}

/** Port of the url map: the first edge_routes prefix that matches, else the api. */
function routedTo(path: string): string {
  for (const [prefix, fn] of Object.entries(locals.edge_routes as Record<string, string>))
    if (path.startsWith(prefix.replace(/\*$/, ""))) return fn;
  return "api";
}

describe("the public edge", () => {
  it("is off unless edge_domain is set: every edge resource is gated on it", () => {
    expect(first(variables.edge_domain).default).toBeNull();
    expect(locals.edge).toBe('${var.edge_domain != null ? toset(["edge"]) : toset([])}');
    for (const [type, byName] of Object.entries(resources))
      for (const [name, block] of Object.entries(byName))
        expect(block.for_each, `${type}.${name}`).toMatch(/^\$\{local\.edge(_public_names)?\}$/);
  });

  it("routes every path to the function that serves it (evaluated against the route tables)", () => {
    for (const [fn, paths] of Object.entries(servedPaths()))
      for (const path of paths) expect(routedTo(path), `${fn} ${path}`).toBe(fn);
    const urlMap = resources.google_compute_url_map?.edge as Json;
    const rule = first(first(first(urlMap.path_matcher).dynamic).path_rule);
    expect(rule.for_each).toContain("local.edge_routes");
    expect(first(urlMap.path_matcher).default_service).toBe(
      '${google_compute_backend_service.edge["api"].id}',
    );
  });

  it("rate-limits the SAML ACS, the session endpoints and the webhooks per client address with 429", () => {
    const limits = locals.edge_rate_limits as Record<string, { expression: string }>;
    const paths = { saml_acs: "/saml/acs", sessions: "/v1/session/refresh", webhooks: "/webhooks/directory" };
    for (const [key, path] of Object.entries(paths)) {
      const prefix = limits[key]?.expression.match(/startsWith\('([^']+)'\)/)?.[1];
      expect(prefix && path.startsWith(prefix), key).toBe(true);
    }
    expect(servedPaths().api).toEqual(
      expect.arrayContaining(["/v1/session/refresh", "/v1/session/exchange"]),
    );
    const policy = resources.google_compute_security_policy?.edge as Json;
    const content = first(first(first(policy.dynamic).rule).content);
    expect(first(content.rate_limit_options)).toMatchObject({
      exceed_action: "deny(429)",
      enforce_on_key: "IP",
    });
    expect(resources.google_compute_backend_service?.edge?.security_policy).toBe(
      '${google_compute_security_policy.edge["edge"].id}',
    );
  });

  it("serves HTTPS with a managed certificate on the domain, and admits only the balancer to the public functions", () => {
    expect(first(resources.google_compute_managed_ssl_certificate?.edge?.managed).domains).toEqual([
      "${var.edge_domain}",
    ]);
    expect(resources.google_compute_global_forwarding_rule?.edge?.port_range).toBe("443");
    const call = first((main.module as Json).http_function);
    expect(call.ingress_settings).toBe(
      '${var.edge_domain != null && each.value.public ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_ALL"}',
    );
  });
});
