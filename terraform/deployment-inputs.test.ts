// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are HCL interpolations as hcl2json renders them, not JS templates.
// Walks the first deployment's inputs (docs/runbooks/first-deployment.md, terraform/examples/production):
// for every manifest function, the environment Terraform gives it, evaluated from the example's values and
// the HCL, parses under the real configuration schema and lacks nothing the function needs in production
// (the same check /readyz makes). The plan-time precondition is evaluated too, so a missing variable is
// shown to fail the plan with the function's name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { loadManifest } from "../functions/manifest";
import { parseConfig } from "../shared/platform/config";
import { missingProductionConfig, requiredInProduction } from "../shared/platform/config-requirements";

type Json = Record<string, unknown>;
const TF_DIR = fileURLToPath(new URL(".", import.meta.url));
const EXAMPLE = join(TF_DIR, "examples/production");
const RUNBOOK = join(TF_DIR, "../docs/runbooks/first-deployment.md");
const PROJECT_NUMBER = "123456789012";

const hcl = async (path: string) => (await parse(path, readFileSync(path, "utf8"))) as Json;
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Json;

let rootLocals: Json = {};
let call: Json = {};
let tfvars: Json = {};
let exampleVariables: Json = {};
const manifest = loadManifest();

beforeAll(async () => {
  const main = await hcl(join(TF_DIR, "main.tf"));
  rootLocals = Object.assign({}, ...(main.locals as Json[]));
  call = first((first((await hcl(join(EXAMPLE, "main.tf"))).module) as Json).switchboard);
  tfvars = await hcl(join(EXAMPLE, "terraform.tfvars.example"));
  exampleVariables = (await hcl(join(EXAMPLE, "variables.tf"))).variable as Json;
});

/** The example's variables: terraform.tfvars.example over the variables' defaults. */
function exampleVar(name: string): unknown {
  if (name in tfvars) return tfvars[name];
  const declared = first(exampleVariables[name]);
  if (!declared) throw new Error(`examples/production uses undeclared var.${name}`);
  if (!("default" in declared)) throw new Error(`terraform.tfvars.example does not set ${name}`);
  return declared.default;
}

/** A port of the few HCL expressions the example uses: var.x, var.x[i], join(sep, var.x), inside "${…}". */
function evaluate(template: string, vars: (name: string) => unknown): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, expression: string) => {
    const e = expression.trim();
    let m = /^var\.(\w+)$/.exec(e);
    if (m) return String(vars(m[1] as string));
    m = /^var\.(\w+)\[(\d+)\]$/.exec(e);
    if (m) return String((vars(m[1] as string) as unknown[])[Number(m[2])]);
    m = /^join\("([^"]*)", var\.(\w+)\)$/.exec(e);
    if (m) return (vars(m[2] as string) as unknown[]).join(m[1] as string);
    throw new Error(`cannot evaluate \${${e}}`);
  });
}

/** The environment Terraform gives every function: fixed values, derived URLs, then function_config. */
function functionEnvironment(
  functionConfig: Record<string, string>,
  edgeDomain?: string,
): Record<string, string> {
  const env = String(rootLocals.environment_variables);
  // The order of merge() decides who wins: function_config must override what Terraform derives.
  expect(env).toMatch(
    /^\$\{merge\(var\.environment_variables, local\.derived_config, var\.function_config, \{/,
  );
  const fixed = Object.fromEntries([...env.matchAll(/^\s+(\w+)\s*=\s*(.+)$/gm)].map((m) => [m[1], m[2]]));
  const base = String(rootLocals.function_base_urls).match(/=> "(https:\/\/[^"]+)"/)?.[1];
  if (!base) throw new Error("local.function_base_urls is not a URL template");
  const urlOf = (name: string) =>
    base
      .replace("${name}", name)
      .replace("${data.google_project.project.number}", PROJECT_NUMBER)
      .replace("${var.region}", String(exampleVar("region")));
  // local.public_base_urls: the edge's domain when var.edge_domain is set, else the function's own URL.
  expect(String(rootLocals.public_base_urls)).toContain(
    'var.edge_domain != null ? "https://${var.edge_domain}" : local.function_base_urls[name]',
  );
  const publicUrlOf = (name: string) => (edgeDomain ? `https://${edgeDomain}` : urlOf(name));
  const derived = Object.fromEntries(
    [
      ...String(rootLocals.derived_config).matchAll(/\{ (\w+) = local\.public_base_urls\["([\w-]+)"\] \}/g),
    ].map((m) => [m[1] as string, publicUrlOf(m[2] as string)]),
  );
  expect(Object.keys(derived).sort()).toEqual(["PUBLIC_AUTH_URL", "PUBLIC_WEBHOOKS_URL"]);
  const values: Record<string, string> = {
    "var.project_id": String(exampleVar("project_id")),
    "var.environment": String(call.environment),
    "var.region": String(exampleVar("region")),
    '"true"': "true",
  };
  return {
    ...derived,
    ...functionConfig,
    ...Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, values[v as string] ?? "?"])),
  };
}

const exampleFunctionConfig = () =>
  Object.fromEntries(
    Object.entries(call.function_config as Record<string, string>).map(([k, v]) => [
      k,
      evaluate(v, exampleVar),
    ]),
  );

/** A port of local.missing_production_config (terraform/main.tf), over the generated spec. */
function missingAtPlan(env: Record<string, string>): string[] {
  const spec = JSON.parse(readFileSync(join(TF_DIR, "config-variables.json"), "utf8")) as {
    requiredInProduction: Record<string, string[]>;
  };
  expect(String(rootLocals.missing_production_config)).toContain(
    'trimspace(lookup(local.environment_variables, variable, "")) == ""',
  );
  return Object.entries(spec.requiredInProduction).flatMap(([name, variables]) =>
    variables.filter((v) => (env[v] ?? "").trim() === "").map((v) => `${name} needs ${v}`),
  );
}

describe("the first deployment's inputs", () => {
  it("give every function every variable it needs in production, valid under the schema (ready)", () => {
    const env = functionEnvironment(exampleFunctionConfig());
    expect(env.SWITCHBOARD_ENV).toBe("production");
    const config = parseConfig(env);
    for (const fn of manifest.functions) {
      for (const variable of requiredInProduction(fn.name))
        expect(env[variable], `${fn.name} needs ${variable}`).toBeTruthy();
      expect(missingProductionConfig(config, fn.name), fn.name).toEqual([]);
    }
    expect(missingAtPlan(env)).toEqual([]);
    expect(config.PUBLIC_AUTH_URL).toBe(`https://auth-${PROJECT_NUMBER}.europe-west1.run.app`);
  });

  it("fail the plan, naming each function, when one of them is left out", () => {
    const config = exampleFunctionConfig();
    delete config.GOOGLE_OAUTH_CLIENT_ID;
    const missing = missingAtPlan(functionEnvironment(config));
    const needing = manifest.functions.filter((f) =>
      requiredInProduction(f.name).includes("GOOGLE_OAUTH_CLIENT_ID"),
    );
    expect(missing.sort()).toEqual(needing.map((f) => `${f.name} needs GOOGLE_OAUTH_CLIENT_ID`).sort());
    expect(needing.map((f) => f.name)).toEqual(expect.arrayContaining(["api", "auth", "token-refresh"]));
  });

  it("point the public addresses at the edge's domain when the edge is on", () => {
    const config = parseConfig(functionEnvironment(exampleFunctionConfig(), "switchboard.example.com"));
    expect(config.PUBLIC_AUTH_URL).toBe("https://switchboard.example.com");
    expect(config.PUBLIC_WEBHOOKS_URL).toBe("https://switchboard.example.com");
  });

  it("let function_config override an address Terraform derives (a custom domain)", () => {
    const env = functionEnvironment({
      ...exampleFunctionConfig(),
      PUBLIC_AUTH_URL: "https://auth.example.com",
    });
    expect(env.PUBLIC_AUTH_URL).toBe("https://auth.example.com");
  });

  it("require what the code needs: every function given the OAuth client's secret also needs its id", () => {
    for (const fn of manifest.functions)
      if (fn.secrets.includes("oauth-client-secret"))
        expect(requiredInProduction(fn.name), fn.name).toContain("GOOGLE_OAUTH_CLIENT_ID");
  });

  it("are the ones the first-deployment runbook walks through", () => {
    const runbook = readFileSync(RUNBOOK, "utf8");
    expect(runbook).toContain("terraform/examples/production");
    for (const name of Object.keys(tfvars)) expect(runbook, `runbook explains ${name}`).toContain(name);
  });
});
