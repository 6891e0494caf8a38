// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are HCL interpolations as hcl2json renders them, not JS templates.
// Structural tests of the Terraform in this folder. There is no terraform binary here, so every .tf file is
// parsed with @cdktf/hcl2json and checked for the behaviour the stack must have; where the HCL computes
// something from functions/manifest.json (names, topics, service account ids), a tiny TypeScript port of
// the expression is evaluated against the manifest, using the numbers and literals read from the HCL.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { allTopics, deadLetterTopic, FunctionSpec, loadManifest, type Manifest } from "../functions/manifest";
import { pushEndpoint, subscriptionName } from "../tools/stack/pubsub-wiring";

const TF_DIR = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(TF_DIR, "..");
const MODULES = ["modules/cloud-function", "modules/http-function", "modules/event-function"] as const;
const DIRS = [".", ...MODULES] as const;
type Dir = (typeof DIRS)[number];

// ---------- parsed HCL ----------

type Json = Record<string, unknown>;
type Block = Json;

interface TfFile {
  path: string; // relative to terraform/
  dir: Dir;
  text: string;
  json: Json;
}

interface TfModule {
  resources: Map<string, Block>; // "type.name" -> block
  data: Map<string, Block>; // data sources, "type.name" -> block
  variables: Map<string, Block>;
  outputs: Map<string, Block>;
  locals: Json;
  modules: Map<string, Block>;
  /** `moved` blocks: state addresses, not references, so they are kept out of `expressions`. */
  moved: Block[];
  terraform: Block[];
  files: TfFile[];
  /** Every string in the module's parsed JSON, joined: what expressions are searched in. */
  expressions: string;
}

function tfFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // examples/ are deployments that call this module, not part of it (deployment-inputs.test.ts reads them).
    if (entry.isDirectory())
      return entry.name.startsWith(".") || entry.name === "examples" ? [] : tfFilesUnder(path);
    return entry.name.endsWith(".tf") ? [path] : [];
  });
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** hcl2json wraps every block in a one-element array. */
function only(value: unknown, what: string): Block {
  const list = Array.isArray(value) ? value : [value];
  if (list.length !== 1 || !isObject(list[0])) throw new Error(`${what}: expected one block`);
  return list[0];
}

function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) allStrings(v, out);
  return out;
}

function allKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) allKeys(v, out);
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allKeys(v, out);
    }
  return out;
}

function collect(files: TfFile[]): TfModule {
  const mod: TfModule = {
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    outputs: new Map(),
    locals: {},
    modules: new Map(),
    moved: [],
    terraform: [],
    files,
    expressions: "",
  };
  for (const { json, path } of files) {
    for (const [type, byName] of Object.entries((json.resource as Json | undefined) ?? {}))
      for (const [name, block] of Object.entries(byName as Json))
        mod.resources.set(`${type}.${name}`, only(block, `${path} ${type}.${name}`));
    for (const [type, byName] of Object.entries((json.data as Json | undefined) ?? {}))
      for (const [name, block] of Object.entries(byName as Json))
        mod.data.set(`${type}.${name}`, only(block, `${path} data ${type}.${name}`));
    for (const [name, block] of Object.entries((json.variable as Json | undefined) ?? {}))
      mod.variables.set(name, only(block, `${path} variable ${name}`));
    for (const [name, block] of Object.entries((json.output as Json | undefined) ?? {}))
      mod.outputs.set(name, only(block, `${path} output ${name}`));
    for (const [name, block] of Object.entries((json.module as Json | undefined) ?? {}))
      mod.modules.set(name, only(block, `${path} module ${name}`));
    for (const block of (json.locals as Json[] | undefined) ?? []) Object.assign(mod.locals, block);
    for (const block of (json.terraform as Json[] | undefined) ?? []) mod.terraform.push(block);
    for (const block of (json.moved as Json[] | undefined) ?? []) mod.moved.push(block);
  }
  mod.expressions = files.flatMap(({ json: { moved: _, ...rest } }) => allStrings(rest)).join("\n");
  return mod;
}

let files: TfFile[] = [];
const tf = {} as Record<Dir, TfModule>;
let manifest: Manifest;

beforeAll(async () => {
  files = await Promise.all(
    tfFilesUnder(TF_DIR).map(async (path) => {
      const rel = relative(TF_DIR, path);
      const text = readFileSync(path, "utf8");
      const dir = (MODULES.find((m) => rel.startsWith(`${m}/`)) ?? ".") as Dir;
      return { path: rel, dir, text, json: (await parse(rel, text)) as Json };
    }),
  );
  for (const dir of DIRS) tf[dir] = collect(files.filter((f) => f.dir === dir));
  manifest = loadManifest();
});

const root = () => tf["."];
const functionModule = () => tf["modules/cloud-function"];
const httpModule = () => tf["modules/http-function"];
const eventModule = () => tf["modules/event-function"];
/** The root's module call per trigger kind and the module it calls. */
const WRAPPERS = [
  ["http_function", "modules/http-function"],
  ["event_function", "modules/event-function"],
] as const;
/** Module call name => the module it calls (names are unique across the tree). */
const CALLED: Record<string, Dir> = { ...Object.fromEntries(WRAPPERS), function: "modules/cloud-function" };

function resource(mod: TfModule, address: string): Block {
  const block = mod.resources.get(address);
  if (!block) throw new Error(`resource ${address} is not declared`);
  return block;
}
function moduleCall(name: string): Block {
  const block = root().modules.get(name);
  if (!block) throw new Error(`module ${name} is not called from terraform/main.tf`);
  return block;
}
function nested(block: Block, ...path: string[]): Block {
  return path.reduce<Block>((b, key) => only(b[key], key), block);
}
function local(name: string): string {
  const value = root().locals[name];
  if (typeof value !== "string") throw new Error(`local.${name} is not an expression`);
  return value;
}
const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * local.function_settings, the common arguments of every function: its for-clause and its attributes,
 * `attribute = expression` as written in the HCL.
 */
function functionSettings(): { clause: string; attributes: Map<string, string> } {
  const text = local("function_settings");
  const clause = text.match(/^\$\{\{\s*(for [^:]+ : \w+ =>)/)?.[1];
  if (!clause) throw new Error(`unrecognised local.function_settings: ${text}`);
  const attributes = new Map(
    [...text.matchAll(/^ {6}(\w+)\s*=\s*(.+)$/gm)].map((m) => [m[1] as string, (m[2] as string).trim()]),
  );
  return { clause, attributes };
}

/** Attribute names of an object({...}) type constraint, and which ones are optional(...). */
function objectAttributes(type: unknown): Map<string, { optional: boolean; type: string }> {
  return new Map(
    [...str(type).matchAll(/^\s*(\w+)\s*=\s*(.+)$/gm)].map((m) => [
      m[1] as string,
      { optional: (m[2] as string).startsWith("optional("), type: (m[2] as string).trim() },
    ]),
  );
}

// ---------- tiny evaluators (ports of the HCL, parameterised by what the HCL says) ----------

/** Port of local.service_account_ids / local.invoker_account_ids: reads prefix, pattern and lengths from the HCL. */
function accountIdEvaluator(expression: string): (name: string) => string {
  const m = expression.match(
    /can\(regex\("([^"]+)", "(\w+)-\$\{name\}"\)\)\s*\?\s*"\2-\$\{name\}"\s*:\s*"\2-\$\{substr\(name, 0, (\d+)\)\}-\$\{substr\(sha1\(name\), 0, (\d+)\)\}"/,
  );
  if (!m) throw new Error(`unrecognised account id expression: ${expression}`);
  const [, pattern, prefix, keep, hash] = m as unknown as [string, string, string, string, string];
  const valid = new RegExp(pattern.replaceAll("\\\\", "\\"));
  return (name) => {
    const readable = `${prefix}-${name}`;
    if (valid.test(readable)) return readable;
    const sha1 = createHash("sha1").update(name).digest("hex");
    return `${prefix}-${name.slice(0, Number(keep))}-${sha1.slice(0, Number(hash))}`;
  };
}
const SERVICE_ACCOUNT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** Which module instance a manifest function lands in, from the trigger literals in the two filter locals. */
function triggersIn(expression: string): string[] {
  return [...expression.matchAll(/"(http|topic|schedule|[a-z]+)"/g)].map((m) => m[1] as string);
}

/** A manifest with every trigger kind, validated by the real schema: what the HCL must also handle. */
function syntheticManifest(): Manifest {
  const base = {
    description: "synthetic",
    public: false,
    topic: null,
    schedule: null,
    timeZone: null,
    retry: false,
    maxDeliveryAttempts: null,
    publishes: [],
    secrets: [],
    roles: [],
    memory: "256Mi",
    timeoutSeconds: 60,
    minInstances: 0,
    maxInstances: 1,
  };
  const functions = [
    { ...base, name: "edge", trigger: "http", public: true, publishes: ["calendar-changes"] },
    { ...base, name: "internal-admin", trigger: "http", secrets: ["oauth-client-secret"] },
    {
      ...base,
      name: "calendar-sync",
      trigger: "topic",
      topic: "calendar-changes",
      retry: true,
      maxDeliveryAttempts: 7,
    },
    {
      ...base,
      name: "watch-renewal-with-a-really-long-function-name-that-hits-limits",
      trigger: "schedule",
      topic: "watch-renewal-ticks",
      schedule: "*/30 * * * *",
      timeZone: "Etc/UTC",
      retry: true,
      maxDeliveryAttempts: 10,
    },
    { ...base, name: "a", trigger: "topic", topic: "calendar-changes" },
  ];
  return { functions: functions.map((f) => FunctionSpec.parse(f)) };
}

/** Secrets, PEM keys and credential literals that must never be committed in .tf files. */
function findSecretLiterals(text: string): string[] {
  const patterns: Array<[string, RegExp]> = [
    ["PEM block", /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/],
    ["Google API key", /AIza[0-9A-Za-z_-]{35}/],
    ["service account key JSON", /"private_key(_id)?"\s*:/],
    ["secret_data", /\bsecret_data\b/],
    ["secret version resource", /google_secret_manager_secret_version/],
    [
      "credential literal",
      /\b\w*(password|passwd|api_?key|secret|token|private_?key|client_secret)\w*\s*=\s*"(?!\$\{)[^"\s]{6,}"/i,
    ],
  ];
  return patterns.filter(([, re]) => re.test(text)).map(([what]) => what);
}

// ---------- tests ----------

describe("blueprint layout", () => {
  it("has main, variables, outputs and versions.tf at the root and in each module", () => {
    for (const dir of DIRS)
      for (const file of ["main.tf", "variables.tf", "outputs.tf", "versions.tf"])
        expect(
          files.map((f) => f.path),
          `${dir}/${file}`,
        ).toContain(dir === "." ? file : `${dir}/${file}`);
  });

  it("pins terraform and the google providers to bounded ranges in every versions.tf", () => {
    const bounded = /^>=\s*\d+(\.\d+)*\s*,\s*<\s*\d+(\.\d+)*$/;
    for (const dir of DIRS) {
      const [block] = tf[dir].terraform;
      expect(block, `${dir} terraform block`).toBeDefined();
      expect(str(block?.required_version), `${dir} required_version`).toMatch(bounded);
      const providers = only(block?.required_providers, "required_providers");
      const wanted = dir === "." ? ["google", "google-beta"] : ["google"];
      for (const name of wanted) {
        const p = providers[name] as Json | undefined;
        expect(p?.source, `${dir} ${name} source`).toBe(`hashicorp/${name}`);
        expect(str(p?.version), `${dir} ${name} version`).toMatch(bounded);
      }
    }
  });

  it("iterates with for_each only, never count", () => {
    // The meta-argument only: an attribute named count (Cloud Armor's rate_limit_threshold) is fine.
    for (const file of files) {
      const blocks = [
        ...Object.values((file.json.resource as Json | undefined) ?? {}).flatMap((byName) =>
          Object.values(byName as Json),
        ),
        ...Object.values((file.json.module as Json | undefined) ?? {}),
      ].map((b) => only(b, file.path));
      for (const block of blocks) expect(Object.keys(block), file.path).not.toContain("count");
    }
  });
});

describe("variables", () => {
  it("gives every variable a type and a description", () => {
    for (const dir of DIRS)
      for (const [name, v] of tf[dir].variables) {
        expect(v.type, `${dir} var.${name} type`).toBeTruthy();
        expect(v.description, `${dir} var.${name} description`).toBeTruthy();
      }
  });

  it("validates the key root inputs", () => {
    for (const name of [
      "project_id",
      "region",
      "source_bucket",
      "bundle_dir",
      "secret_ids",
      "firestore_location",
      "ttl_collection_groups",
      "event_ingress_settings",
      "environment",
    ])
      expect(root().variables.get(name)?.validation, `var.${name} validation`).toBeTruthy();
  });

  it("declares every var.* that a module's expressions use", () => {
    for (const dir of DIRS) {
      const used = new Set([...tf[dir].expressions.matchAll(/\bvar\.([a-z_][a-z0-9_]*)/g)].map((m) => m[1]));
      for (const name of used)
        expect(tf[dir].variables.has(name as string), `${dir} uses undeclared var.${name}`).toBe(true);
    }
  });

  it("project_id validation accepts real project ids and rejects malformed ones (evaluated)", () => {
    const condition = str(nested(root().variables.get("project_id") ?? {}, "validation").condition);
    const pattern = condition.match(/regex\("([^"]+)"/)?.[1];
    expect(pattern).toBeTruthy();
    const re = new RegExp(String(pattern));
    expect(re.test("switchboard-prod")).toBe(true);
    for (const bad of ["Switchboard", "sb", "ends-with-dash-", "1starts-with-digit"])
      expect(re.test(bad), bad).toBe(false);
  });
});

describe("manifest-driven functions", () => {
  it("reads functions/manifest.json with jsondecode(file()) and keys every function by name", () => {
    expect(local("manifest")).toBe('${jsondecode(file("${path.module}/../functions/manifest.json"))}');
    expect(local("functions")).toMatch(/for fn in local\.manifest\.functions : fn\.name => fn/);
  });

  it("routes every trigger kind of the manifest schema to exactly one function module", () => {
    const kinds = FunctionSpec.shape.trigger.options as readonly string[];
    const http = triggersIn(local("http_functions"));
    const event = triggersIn(local("event_functions"));
    for (const kind of kinds)
      expect([http.includes(kind), event.includes(kind)].filter(Boolean), kind).toHaveLength(1);
    expect(str(moduleCall("http_function").for_each)).toBe("${local.http_functions}");
    expect(str(moduleCall("event_function").for_each)).toBe("${local.event_functions}");
    expect(moduleCall("http_function").source).toBe("./modules/http-function");
    expect(moduleCall("event_function").source).toBe("./modules/event-function");
    for (const m of [manifest, syntheticManifest()])
      for (const fn of m.functions)
        expect(Number(http.includes(fn.trigger)) + Number(event.includes(fn.trigger)), fn.name).toBe(1);
    // Both kinds deploy the function itself through the one shared module, with the same settings.
    for (const [call, dir] of WRAPPERS) {
      expect(moduleCall(call).function, call).toBe("${local.function_settings[each.key]}");
      const inner = tf[dir].modules.get("function");
      expect(inner?.source, `${dir} calls modules/cloud-function`).toBe("../cloud-function");
      expect(inner?.function, dir).toBe("${var.function}");
    }
    expect(functionSettings().clause).toBe("for name, fn in local.functions : name =>");
  });

  it("declares one cloudfunctions2 function, in the shared module, on nodejs22 from a zip in GCS", () => {
    expect(str(root().variables.get("runtime")?.default)).toBe("nodejs22");
    const declaring = DIRS.filter((dir) => tf[dir].resources.has("google_cloudfunctions2_function.function"));
    expect(declaring).toEqual(["modules/cloud-function"]);
    const type = objectAttributes(functionModule().variables.get("function")?.type);
    expect(type.get("runtime")?.type).toBe('optional(string, "nodejs22")');
    const fn = resource(functionModule(), "google_cloudfunctions2_function.function");
    const build = nested(fn, "build_config");
    expect(build.runtime).toBe("${var.function.runtime}");
    expect(build.entry_point).toBe("${var.function.entry_point}");
    const storage = nested(build, "source", "storage_source");
    expect(storage).toMatchObject({
      bucket: "${var.function.source_bucket}",
      object: "${var.function.source_object}",
    });
    const settings = functionSettings().attributes;
    expect(settings.get("runtime")).toBe("var.runtime");
    expect(settings.get("name"), "function name is the manifest name").toBe("name");
    expect(settings.get("entry_point"), "entry point is the function name").toBe("name");
    expect(settings.get("source_object")).toBe("google_storage_bucket_object.source[name].name");
  });

  it("uploads dist/<name>.zip per function under a content-addressed object name", () => {
    const object = resource(root(), "google_storage_bucket_object.source");
    expect(object.for_each).toBe("${local.functions}");
    expect(object.source).toBe("${var.bundle_dir}/${each.key}.zip");
    expect(str(object.name)).toContain('filemd5("${var.bundle_dir}/${each.key}.zip")');
    expect(str(root().variables.get("bundle_dir")?.default)).toBe("../dist");
  });

  it("feeds every field of the manifest schema into the HCL", () => {
    const keys = Object.keys(FunctionSpec.shape).filter((k) => k !== "name"); // name is the for_each key
    const mainTf = files.find((f) => f.path === "main.tf")?.text ?? "";
    for (const key of keys)
      expect(mainTf, `manifest field ${key}`).toMatch(new RegExp(`\\b(each\\.value|fn)\\.${key}\\b`));
  });

  it("passes memory, timeout and instance limits from the manifest into service_config", () => {
    const wiring = {
      available_memory: "fn.memory",
      timeout_seconds: "fn.timeoutSeconds",
      min_instance_count: "lookup(var.min_instances, name, fn.minInstances)",
      max_instance_request_concurrency: "try(fn.concurrency, 1)",
      available_cpu: "try(fn.cpu, null)",
      max_instance_count: "fn.maxInstances",
      service_account_email: "google_service_account.function[name].email",
      environment_variables: "local.environment_variables",
    };
    expect(Object.fromEntries(functionSettings().attributes)).toMatchObject(wiring);
    const service = nested(
      resource(functionModule(), "google_cloudfunctions2_function.function"),
      "service_config",
    );
    expect(service).toMatchObject({
      available_memory: "${var.function.available_memory}",
      timeout_seconds: "${var.function.timeout_seconds}",
      min_instance_count: "${var.function.min_instance_count}",
      max_instance_request_concurrency: "${var.function.max_instance_request_concurrency}",
      available_cpu: "${var.function.available_cpu}",
      max_instance_count: "${var.function.max_instance_count}",
      service_account_email: "${var.function.service_account_email}",
      environment_variables: "${var.function.environment_variables}",
      ingress_settings: "${var.ingress_settings}",
    });
    // Secrets are read by the code from Secret Manager (short cache, re-read on an unknown key id), never
    // mounted as environment variables, which would pin the version an instance started with.
    for (const file of files)
      expect(allKeys(file.json), file.path).not.toContain("secret_environment_variables");
    expect(local("environment_variables")).toMatch(/GOOGLE_CLOUD_PROJECT\s*=\s*var\.project_id/);
    // Event functions are internal only; http functions keep the shared module's ALLOW_ALL.
    expect(moduleCall("event_function").ingress_settings).toBe("${var.event_ingress_settings}");
    expect(eventModule().modules.get("function")?.ingress_settings).toBe("${var.ingress_settings}");
    expect(functionModule().variables.get("ingress_settings")?.default).toBe("ALLOW_ALL");
  });

  it("serves many requests per instance where the manifest says so, with the vCPU that needs (evaluated)", () => {
    const byName = new Map(manifest.functions.map((f) => [f.name, f]));
    for (const name of ["api", "auth", "webhooks"]) {
      const fn = byName.get(name);
      expect(fn?.concurrency, name).toBeGreaterThan(1);
      expect(Number(fn?.cpu), name).toBeGreaterThanOrEqual(1);
    }
    expect(str(functionModule().variables.get("function")?.validation)).toContain(
      "var.function.max_instance_request_concurrency == 1 || try(tonumber(var.function.available_cpu) >= 1, false)",
    );
    // The schema refuses what the platform would: concurrency without a whole vCPU, a vCPU on 256Mi.
    const api = byName.get("api");
    expect(FunctionSpec.safeParse({ ...api, cpu: null }).success).toBe(false);
    expect(FunctionSpec.safeParse({ ...api, memory: "256Mi" }).success).toBe(false);
    expect(root().variables.get("min_instances")?.default).toEqual({});
  });

  it("passes every required module input and only declared ones", () => {
    const meta = new Set(["source", "for_each", "depends_on", "providers"]);
    const calls = [
      ...WRAPPERS.map(([call, dir]) => [".", call, dir] as const),
      ...WRAPPERS.map(([, dir]) => [dir, "function", CALLED.function as Dir] as const),
    ];
    for (const [caller, call, dir] of calls) {
      const args = Object.keys(tf[caller].modules.get(call) ?? {}).filter((k) => !meta.has(k));
      expect(args.length, `${caller} calls module ${call}`).toBeGreaterThan(0);
      for (const arg of args)
        expect(tf[dir].variables.has(arg), `${caller} ${call}.${arg} is not a variable of ${dir}`).toBe(true);
      for (const [name, v] of tf[dir].variables)
        if (!("default" in v))
          expect(args, `${caller} ${call} misses required input ${name}`).toContain(name);
    }
    // local.function_settings is the shared module's `function` object: every required attribute, and
    // no attribute it would silently drop.
    const type = objectAttributes(functionModule().variables.get("function")?.type);
    const settings = functionSettings().attributes;
    for (const [name, { optional }] of type)
      if (!optional) expect([...settings.keys()], `function_settings misses ${name}`).toContain(name);
    for (const name of settings.keys())
      expect(type.has(name), `function_settings.${name} is not an attribute of var.function`).toBe(true);
    // The wrappers pass the settings through untouched; what they read themselves must be in them.
    for (const [, dir] of WRAPPERS)
      for (const [, name] of tf[dir].expressions.matchAll(/\bvar\.function\.(\w+)/g))
        expect(settings.has(name as string), `${dir} reads var.function.${name}`).toBe(true);
  });

  it("references only resources, locals and module outputs that are declared", () => {
    for (const dir of DIRS) {
      const mod = tf[dir];
      for (const [, data, type, name] of mod.expressions.matchAll(
        /\b(data\.)?(google_[a-z0-9_]+|terraform_data)\.([a-z_][a-z0-9_]*)/g,
      ))
        expect(
          (data ? mod.data : mod.resources).has(`${type}.${name}`),
          `${dir} references undeclared ${data ?? ""}${type}.${name}`,
        ).toBe(true);
      for (const [, name] of mod.expressions.matchAll(/\blocal\.([a-z_][a-z0-9_]*)/g))
        expect((name as string) in mod.locals, `${dir} references undeclared local.${name}`).toBe(true);
      // module.<call>[key].<output> and module.<call>.<output>
      for (const [, name, output] of mod.expressions.matchAll(/\bmodule\.(\w+)(?:\[[^\]]+\])?\.(\w+)/g)) {
        const target = CALLED[name as string];
        expect(
          mod.modules.has(name as string) && target,
          `${dir} references undeclared module.${name}`,
        ).toBeTruthy();
        expect(
          tf[target as Dir].outputs.has(output as string),
          `module.${name} has no output ${output}`,
        ).toBe(true);
      }
    }
    // for name, fn in module.<call> : ... fn.<output> (and fn.function.<output> of the shared module)
    for (const [, alias, name, body] of root().expressions.matchAll(
      /for \w+, (\w+) in module\.(\w+) : ([^}]*)/g,
    )) {
      const outputs = tf[CALLED[name as string] as Dir].outputs;
      for (const [, output, inner] of (body as string).matchAll(
        new RegExp(`\\b${alias}\\.(\\w+)(?:\\.(\\w+))?`, "g"),
      )) {
        expect(outputs.has(output as string), `module.${name} has no output ${output}`).toBe(true);
        if (output === "function" && inner)
          expect(functionModule().outputs.has(inner), `modules/cloud-function has no output ${inner}`).toBe(
            true,
          );
      }
    }
  });

  it("moves the function's existing state into the shared module instead of replacing it", () => {
    // Every address the modules held before modules/cloud-function existed (terraform state addresses).
    const before: Record<string, string[]> = {
      "modules/http-function": [
        "google_cloudfunctions2_function.function",
        "google_cloud_run_service_iam_member.invoker",
      ],
      "modules/event-function": [
        "google_cloudfunctions2_function.function",
        "google_service_account.invoker",
        "google_cloud_run_service_iam_member.invoker",
        "google_service_account_iam_member.pubsub_token_creator",
        "google_pubsub_subscription.push",
        "google_pubsub_subscription_iam_member.pubsub_agent_subscriber",
        "google_cloud_scheduler_job.tick",
      ],
    };
    const unwrap = (address: unknown) => str(address).replace(/^\$\{(.*)\}$/, "$1");
    for (const [dir, addresses] of Object.entries(before)) {
      const mod = tf[dir as Dir];
      const moves = new Map(mod.moved.map((m) => [unwrap(m.from), unwrap(m.to)]));
      for (const address of addresses) {
        if (mod.resources.has(address)) {
          expect(moves.has(address), `${dir} ${address} is still declared, yet moved`).toBe(false);
          continue;
        }
        const to = moves.get(address);
        expect(to, `${dir} ${address} is gone without a moved block (it would be destroyed)`).toBeDefined();
        const [, call, rest] = /^module\.(\w+)\.(.+)$/.exec(to ?? "") ?? [];
        expect(mod.modules.has(call as string), `${dir} moves into undeclared module.${call}`).toBe(true);
        expect(
          tf[CALLED[call as string] as Dir].resources.has(rest as string),
          `${dir} moves to missing ${to}`,
        ).toBe(true);
      }
    }
    expect(root().moved, "the root's module calls keep their names and keys").toEqual([]);
  });
});

describe("service accounts and least privilege", () => {
  it("gives every manifest function its own service account", () => {
    const sa = resource(root(), "google_service_account.function");
    expect(sa.for_each).toBe("${local.functions}");
    expect(sa.account_id).toBe("${local.service_account_ids[each.key]}");
  });

  it("computes valid, unique 6-30 char account ids for every function name, including edge cases (evaluated)", () => {
    const runtimeId = accountIdEvaluator(local("service_account_ids"));
    const invokerId = accountIdEvaluator(local("invoker_account_ids"));
    const names = [...manifest.functions, ...syntheticManifest().functions].map((f) => f.name);
    names.push("b", "ab", "x".repeat(63), "trailing-", `${"y".repeat(20)}-z`, "api");
    const ids = names.flatMap((n) => [runtimeId(n), invokerId(n)]);
    for (const id of ids) expect(id, id).toMatch(SERVICE_ACCOUNT_ID);
    expect(new Set(ids).size).toBe(new Set(names).size * 2);
    expect(runtimeId("api")).toBe("fn-api");
    expect(runtimeId("audit-log")).toBe("fn-audit-log");
  });

  it("grants project roles from the manifest's roles, per function", () => {
    const grant = resource(root(), "google_project_iam_member.function_role");
    expect(grant.for_each).toBe("${local.project_role_grants}");
    expect(grant.role).toBe("${each.value.role}");
    expect(local("project_role_grants")).toMatch(/for role in fn\.roles/);
    for (const fn of manifest.functions)
      for (const role of fn.roles)
        expect(role, `${fn.name} has an admin-grade role`).not.toMatch(/roles\/(owner|editor|.*admin)$/i);
  });

  it("narrows Firestore roles to Switchboard's database with an IAM condition", () => {
    const grant = resource(root(), "google_project_iam_member.function_role");
    const condition = nested(grant, "dynamic", "condition");
    expect(condition.for_each).toBe(
      '${startswith(each.value.role, "roles/datastore.") ? toset(["database"]) : toset([])}',
    );
    expect(str(nested(condition, "content").expression)).toBe(
      'resource.name == "projects/${var.project_id}/databases/${google_firestore_database.database.name}"',
    );
  });

  it("grants pubsub.publisher only on the topics a function publishes to", () => {
    const grant = resource(root(), "google_pubsub_topic_iam_member.function_publisher");
    expect(grant).toMatchObject({
      for_each: "${local.publisher_grants}",
      role: "roles/pubsub.publisher",
      topic: "${google_pubsub_topic.topic[each.value.topic].name}",
    });
    expect(local("publisher_grants")).toMatch(/for topic in fn\.publishes/);
  });

  it("grants secretAccessor only on the secrets a function reads", () => {
    const grant = resource(root(), "google_secret_manager_secret_iam_member.function_accessor");
    expect(grant).toMatchObject({
      for_each: "${local.secret_grants}",
      role: "roles/secretmanager.secretAccessor",
      secret_id: "${google_secret_manager_secret.secret[each.value.secret].secret_id}",
    });
    expect(local("secret_grants")).toMatch(/for secret in fn\.secrets/);
  });

  it("never grants publisher or secret access project-wide", () => {
    for (const [address, block] of root().resources)
      if (address.startsWith("google_project_iam_member."))
        expect(str(block.role)).not.toMatch(/pubsub\.publisher|secretAccessor|run\.invoker/);
  });
});

describe("http functions", () => {
  it("grants allUsers run.invoker only when the manifest marks the function public", () => {
    const invoker = resource(httpModule(), "google_cloud_run_service_iam_member.invoker");
    expect(invoker.role).toBe("roles/run.invoker");
    expect(invoker.for_each).toBe('${toset(concat(var.public ? ["allUsers"] : [], var.invoker_members))}');
    expect(moduleCall("http_function").public).toBe("${each.value.public}");
    expect(moduleCall("http_function").invoker_members).toBe(
      "${each.value.public ? [] : var.private_http_invokers}",
    );
    // No other file may grant to allUsers or allAuthenticatedUsers (the module's variables only reject them).
    for (const file of files)
      if (file.path !== "modules/http-function/main.tf" && file.path !== "modules/http-function/variables.tf")
        expect(file.text, file.path).not.toMatch(/"all(Authenticated)?Users"/);
  });
});

describe("topics and dead letters", () => {
  it("declares a topic for every consumed and published topic, as allTopics() computes", () => {
    const topic = resource(root(), "google_pubsub_topic.topic");
    expect(topic.for_each).toBe("${local.topics}");
    expect(topic.name).toBe("${each.value}");
    expect(local("topics")).toBe("${setunion(local.consumed_topics, local.published_topics)}");
    expect(local("consumed_topics")).toMatch(/for fn in local\.event_functions : fn\.topic/);
    expect(local("published_topics")).toMatch(/for fn in local\.functions : fn\.publishes/);
    // Evaluate the two sets in TypeScript and compare with the manifest's own definition.
    for (const m of [manifest, syntheticManifest()]) {
      const consumed = m.functions.filter((f) => f.trigger !== "http").map((f) => f.topic as string);
      const published = m.functions.flatMap((f) => f.publishes);
      expect([...new Set([...consumed, ...published])].sort()).toEqual(allTopics(m));
    }
  });

  it("names one dead-letter topic per consumed topic exactly as deadLetterTopic() does (evaluated)", () => {
    const template = local("dead_letter_topics").match(/topic => "\$\{topic\}([^"]*)"/)?.[1];
    expect(template, "dead-letter naming template").toBeDefined();
    for (const m of [manifest, syntheticManifest()])
      for (const fn of m.functions.filter((f) => f.trigger !== "http"))
        expect(`${fn.topic}${template}`).toBe(deadLetterTopic(fn.topic as string));
    expect(resource(root(), "google_pubsub_topic.dead_letter").for_each).toBe("${local.dead_letter_topics}");
    expect(local("dead_letter_topics")).toMatch(
      /for topic in setunion\(local\.consumed_topics, local\.outbound_topics\)/,
    );
  });

  it("keeps dead letters in a subscription (a topic without one drops them)", () => {
    const sub = resource(root(), "google_pubsub_subscription.dead_letter");
    expect(sub.for_each).toBe("${local.dead_letter_topics}");
    expect(sub.topic).toBe("${google_pubsub_topic.dead_letter[each.key].id}");
    expect(sub.name, "same name as the local stack's inspect subscription").toBe("${each.value}-inspect");
    expect(nested(sub, "expiration_policy").ttl).toBe("");
  });

  it("lets the Pub/Sub service agent publish to each dead-letter topic", () => {
    const grant = resource(root(), "google_pubsub_topic_iam_member.dead_letter_publisher");
    expect(grant).toMatchObject({
      for_each: "${local.dead_letter_topics}",
      role: "roles/pubsub.publisher",
      member: "serviceAccount:${google_project_service_identity.pubsub.email}",
    });
    expect(resource(root(), "google_project_service_identity.pubsub").service).toBe("pubsub.googleapis.com");
  });
});

describe("topic and schedule functions", () => {
  it("consume through a push subscription with the manifest's dead-letter threshold", () => {
    const call = moduleCall("event_function");
    expect(call).toMatchObject({
      topic_id: "${google_pubsub_topic.topic[each.value.topic].id}",
      dead_letter_topic_id: "${google_pubsub_topic.dead_letter[each.value.topic].id}",
      retry: "${each.value.retry}",
      max_delivery_attempts: "${coalesce(each.value.maxDeliveryAttempts, var.default_max_delivery_attempts)}",
    });
    const sub = resource(eventModule(), "google_pubsub_subscription.push");
    expect(sub.topic).toBe("${var.topic_id}");
    expect(nested(sub, "dead_letter_policy")).toEqual({
      dead_letter_topic: "${var.dead_letter_topic_id}",
      max_delivery_attempts: "${var.max_delivery_attempts}",
    });
    // Evaluate the threshold each manifest function gets; Pub/Sub accepts 5..100.
    const fallback = Number(root().variables.get("default_max_delivery_attempts")?.default);
    for (const m of [manifest, syntheticManifest()])
      for (const fn of m.functions.filter((f) => f.trigger !== "http")) {
        const attempts = fn.maxDeliveryAttempts ?? fallback;
        expect(attempts, fn.name).toBeGreaterThanOrEqual(5);
        expect(attempts, fn.name).toBeLessThanOrEqual(100);
      }
    expect(manifest.functions.find((f) => f.name === "audit-log")?.maxDeliveryAttempts).toBe(5);
  });

  it("backs off exponentially only when the manifest asks for retries", () => {
    const sub = resource(eventModule(), "google_pubsub_subscription.push");
    expect(nested(sub, "retry_policy")).toEqual({
      minimum_backoff: "${local.backoff.minimum}",
      maximum_backoff: "${local.backoff.maximum}",
    });
    expect(eventModule().locals.backoff).toMatch(/^\$\{var\.retry \? var\.retry_backoff : \{/);
  });

  it("pushes to the function URL with an OIDC token of a dedicated invoker that may call only that function", () => {
    const mod = eventModule();
    const sub = resource(mod, "google_pubsub_subscription.push");
    const push = nested(sub, "push_config");
    expect(push.push_endpoint).toBe("${local.push_endpoint}");
    // The Functions Framework reads the topic from the path when it turns a push body into a CloudEvent.
    expect(mod.locals.push_endpoint).toBe("${local.uri}/${var.topic_id}");
    expect(mod.locals.uri, "the function's own URI").toBe("${module.function.uri}");
    expect(nested(push, "oidc_token")).toEqual({
      service_account_email: "${google_service_account.invoker.email}",
      audience: "${local.uri}",
    });
    expect(resource(mod, "google_cloud_run_service_iam_member.invoker")).toMatchObject({
      role: "roles/run.invoker",
      service: "${module.function.name}",
      member: "serviceAccount:${google_service_account.invoker.email}",
    });
    expect(resource(mod, "google_service_account.invoker").account_id).toBe("${var.invoker_account_id}");
    expect(moduleCall("event_function").invoker_account_id).toBe("${local.invoker_account_ids[each.key]}");
    expect(resource(mod, "google_pubsub_subscription_iam_member.pubsub_agent_subscriber")).toMatchObject({
      role: "roles/pubsub.subscriber",
      subscription: "${google_pubsub_subscription.push.name}",
      member: "serviceAccount:${var.pubsub_service_agent_email}",
    });
    expect(str(mod.locals.ack_deadline_seconds)).toContain("var.function.timeout_seconds");
  });

  it("delivers exactly as the local stack does: same subscription name, push path, ack deadline and ordering (evaluated)", () => {
    const mod = eventModule();
    const sub = resource(mod, "google_pubsub_subscription.push");
    expect(sub.enable_message_ordering).toBe("${var.message_ordering}");
    expect(moduleCall("event_function").message_ordering).toBe("${try(each.value.ordered, false)}");
    const ack = str(mod.locals.ack_deadline_seconds).match(
      /^\$\{min\((\d+), max\((\d+), var\.function\.timeout_seconds\)\)\}$/,
    );
    expect(ack, "ack deadline expression").toBeTruthy();
    // Substitute the module inputs into the HCL templates and compare with tools/stack/pubsub-wiring.ts.
    const interpolate = (template: string, vars: Record<string, string>) =>
      template.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
        const value = vars[ref];
        if (value === undefined) throw new Error(`cannot evaluate ${ref}`);
        return value;
      });
    const uri = "https://audit-log-abc123-ew.a.run.app";
    for (const fn of [...manifest.functions, ...syntheticManifest().functions].filter(
      (f) => f.trigger !== "http",
    )) {
      const vars = {
        "var.function.name": fn.name,
        "local.uri": uri,
        "var.topic_id": `projects/p1/topics/${fn.topic}`,
      };
      expect(interpolate(str(sub.name), vars)).toBe(subscriptionName(fn));
      expect(interpolate(str(mod.locals.push_endpoint), vars)).toBe(
        pushEndpoint(uri, "p1", fn.topic as string),
      );
      expect(Math.min(Number(ack?.[1]), Math.max(Number(ack?.[2]), fn.timeoutSeconds))).toBe(
        Math.min(600, Math.max(10, fn.timeoutSeconds)),
      );
    }
  });

  it("does not also attach an Eventarc trigger (it would deliver every message twice)", () => {
    for (const file of files) expect(allKeys(file.json), file.path).not.toContain("event_trigger");
  });

  it("wakes schedule functions with a Cloud Scheduler job publishing to their topic", () => {
    const call = moduleCall("event_function");
    expect(str(call.schedule)).toMatch(/each\.value\.trigger == "schedule" \? \{/);
    expect(str(call.schedule)).toMatch(/cron\s*=\s*each\.value\.schedule/);
    expect(str(call.schedule)).toMatch(/time_zone\s*=\s*each\.value\.timeZone/);
    const job = resource(eventModule(), "google_cloud_scheduler_job.tick");
    expect(job.for_each).toBe(
      "${{ for kind, schedule in { tick = var.schedule } : kind => schedule if schedule != null }}",
    );
    expect(job).toMatchObject({
      schedule: "${each.value.cron}",
      time_zone: "${each.value.time_zone}",
      region: "${var.function.region}",
    });
    expect(nested(job, "pubsub_target").topic_name).toBe("${var.topic_id}");
    expect(str(nested(job, "pubsub_target").data)).toMatch(/^\$\{base64encode\(/);
    expect(nested(job, "retry_config").retry_count).toBe("${each.value.retry_count}");
    // The schema guarantees what the HCL relies on for schedule functions.
    const schedule = syntheticManifest().functions.find((f) => f.trigger === "schedule");
    expect(schedule?.topic && schedule.schedule && schedule.timeZone).toBeTruthy();
  });
});

describe("secrets", () => {
  it("creates a secret container with automatic replication for the manifest's secrets and var.secret_ids", () => {
    const secret = resource(root(), "google_secret_manager_secret.secret");
    expect(secret.for_each).toBe("${local.secret_ids}");
    expect(secret.secret_id).toBe("${each.value}");
    expect(nested(secret, "replication", "auto")).toEqual({});
    expect(local("secret_ids")).toMatch(/var\.secret_ids/);
    expect(local("secret_ids")).toMatch(/fn\.secrets/);
  });

  it("contains no secret value: no secret versions, no secret_data, no keys or credential literals", () => {
    for (const file of files) {
      expect(findSecretLiterals(file.text), file.path).toEqual([]);
      expect(allKeys(file.json), file.path).not.toContain("secret_data");
      expect(Object.keys((file.json.resource as Json | undefined) ?? {}), file.path).not.toContain(
        "google_secret_manager_secret_version",
      );
    }
  });

  it("the secret detector does flag planted secrets (so the check above can fail)", () => {
    expect(findSecretLiterals('resource "x" "y" {\n  secret_data = "hunter2hunter2"\n}')).toContain(
      "secret_data",
    );
    expect(findSecretLiterals('  db_password = "correct-horse-battery"')).toContain("credential literal");
    expect(findSecretLiterals(`key = "-----BEGIN ${"PRIVATE"} KEY-----\\nMIIE"`)).toContain("PEM block");
    expect(findSecretLiterals(`api = "AIza${"A".repeat(35)}"`)).toContain("Google API key");
    expect(findSecretLiterals("  secret     = secret_environment_variables.value")).toEqual([]);
  });
});

describe("firestore", () => {
  it("creates the (default) database in native mode at the configured location", () => {
    expect(resource(root(), "google_firestore_database.database")).toMatchObject({
      name: "(default)",
      type: "FIRESTORE_NATIVE",
      location_id: "${var.firestore_location}",
    });
  });

  it("sets a TTL policy on expireAt for each short-lived collection group", () => {
    const ttl = resource(root(), "google_firestore_field.ttl");
    expect(ttl).toMatchObject({
      for_each: "${toset(var.ttl_collection_groups)}",
      collection: "${each.value}",
      field: "expireAt",
    });
    expect(nested(ttl, "ttl_config")).toEqual({});
    expect(root().variables.get("ttl_collection_groups")?.default).toEqual([
      "samlRequests",
      "samlAssertions",
      "samlLogins",
      "googleLogins",
      "loginCodes",
      "oauthStates",
      "idempotency",
      "leases",
      "sessions",
      "channels",
      "directoryPages",
      "sidebarCache",
      "deliveryFailures",
    ]);
  });

  it("applies the index file's field overrides (array-contains, collection-group scopes)", () => {
    const override = resource(root(), "google_firestore_field.override");
    expect(override).toMatchObject({
      for_each: "${local.firestore_field_overrides}",
      collection: "${each.value.collectionGroup}",
      field: "${each.value.fieldPath}",
    });
    expect(str(local("firestore_field_overrides"))).toContain("local.firestore_index_file.fieldOverrides");
  });

  it("reads composite indexes from firestore.indexes.json and declares one index each", () => {
    expect(local("firestore_index_file")).toBe(
      '${jsondecode(file("${path.module}/../firestore.indexes.json"))}',
    );
    const index = resource(root(), "google_firestore_index.composite");
    expect(index.for_each).toBe("${local.firestore_indexes}");
    expect(index.collection).toBe("${each.value.collectionGroup}");
    const fields = nested(index, "dynamic", "fields");
    expect(fields.for_each).toBe("${each.value.fields}");
    expect(nested(fields, "content")).toMatchObject({ field_path: "${fields.value.fieldPath}" });
    // Evaluate the for_each keys: every index in the file must get a distinct key and a valid field spec.
    const file = JSON.parse(readFileSync(join(REPO, "firestore.indexes.json"), "utf8")) as {
      indexes: Array<{ collectionGroup: string; queryScope?: string; fields: Array<Record<string, string>> }>;
    };
    const keys = file.indexes.map((i) =>
      [
        i.collectionGroup,
        i.queryScope ?? "COLLECTION",
        ...i.fields.map((f) => `${f.fieldPath}:${f.order ?? f.arrayConfig}`),
      ].join("/"),
    );
    expect(new Set(keys).size).toBe(keys.length);
    for (const i of file.indexes)
      for (const f of i.fields)
        expect(Boolean(f.order) !== Boolean(f.arrayConfig), `${i.collectionGroup}.${f.fieldPath}`).toBe(true);
    expect(keys).toContain("audit/COLLECTION/orgId:ASCENDING/occurredAt:DESCENDING");
  });
});

describe("firestore rules and backups", () => {
  it("deploys firestore.rules (the file firebase.json names) as a ruleset released to the (default) database", () => {
    const ruleset = resource(root(), "google_firebaserules_ruleset.firestore");
    const file = nested(ruleset, "source", "files");
    expect(file).toMatchObject({
      name: "firestore.rules",
      content: '${file("${path.module}/../firestore.rules")}',
    });
    const firebase = JSON.parse(readFileSync(join(REPO, "firebase.json"), "utf8")) as {
      firestore: { rules: string };
    };
    expect(firebase.firestore.rules).toBe("firestore.rules");
    const release = resource(root(), "google_firebaserules_release.firestore");
    expect(release).toMatchObject({
      name: "cloud.firestore",
      ruleset_name: "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}",
    });
    expect(nested(release, "lifecycle").replace_triggered_by).toEqual([
      "${google_firebaserules_ruleset.firestore}",
    ]);
    expect(local("apis")).toContain('"firebaserules.googleapis.com"');
  });

  it("backs the database up daily, kept for a validated retention", () => {
    const schedule = resource(root(), "google_firestore_backup_schedule.daily");
    expect(schedule).toMatchObject({
      database: "${google_firestore_database.database.name}",
      retention: "${var.firestore_backup_retention}",
    });
    expect(nested(schedule, "daily_recurrence")).toEqual({});
    expect(root().variables.get("firestore_backup_retention")?.validation).toBeTruthy();
  });
});

describe("project plumbing", () => {
  it("enables every API the system calls", () => {
    const services = resource(root(), "google_project_service.enabled");
    expect(services.for_each).toBe("${var.activate_apis ? local.apis : toset([])}");
    const apis = local("apis");
    for (const api of [
      "cloudfunctions",
      "run",
      "cloudbuild",
      "artifactregistry",
      "eventarc",
      "pubsub",
      "cloudscheduler",
      "secretmanager",
      "firestore",
      "iam",
      "admin",
      "people",
      "calendar-json",
      "gmail",
      "drive",
    ])
      expect(apis, api).toContain(`"${api}.googleapis.com"`);
  });

  it("creates a private, versioned, uniform-access source bucket unless one is passed in", () => {
    const bucket = resource(root(), "google_storage_bucket.sources");
    expect(bucket.for_each).toBe('${var.source_bucket == null ? toset(["sources"]) : toset([])}');
    expect(bucket).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: "enforced" });
    expect(nested(bucket, "versioning").enabled).toBe(true);
  });

  it("outputs function URIs, service accounts and topics", () => {
    for (const name of [
      "function_uris",
      "service_accounts",
      "topics",
      "dead_letter_topics",
      "subscriptions",
      "scheduler_jobs",
    ])
      expect(root().outputs.get(name)?.description, name).toBeTruthy();
  });
});
