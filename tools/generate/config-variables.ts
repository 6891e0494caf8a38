// The configuration variables as the schema states them: name, default and meaning (the doc comment above
// the variable in shared/platform/config.ts), and which functions need them in production
// (shared/platform/config-requirements.ts). The README table and terraform/config-variables.json are
// rendered from this, so a new variable needs only `npm run generate`.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { z } from "zod";
import { loadManifest } from "../../functions/manifest";
import { ConfigSchema } from "../../shared/platform/config";
import {
  NEVER_DEPLOYED,
  REQUIRED_IN_PRODUCTION,
  requiredInProduction,
  SET_BY_TERRAFORM,
} from "../../shared/platform/config-requirements";

const CONFIG_SOURCE = new URL("../../shared/platform/config.ts", import.meta.url);

export interface ConfigVariable {
  name: string;
  /** The default as the environment would spell it; undefined when there is none. */
  default: string | undefined;
  /** Required by the schema itself (every environment). */
  required: boolean;
  meaning: string;
  /** Functions that need it in production and staging. */
  requiredInProductionBy: string[];
  /** How a deployment sets it: by a Terraform input (`function_config`), by Terraform itself, or never. */
  deployment: "function_config" | "terraform" | "never";
}

/** The doc comment of each property of the z.object({...}) in config.ts, by property name. */
export function docComments(source = readFileSync(CONFIG_SOURCE, "utf8")): Map<string, string> {
  const file = ts.createSourceFile("config.ts", source, ts.ScriptTarget.Latest, true);
  const comments = new Map<string, string>();
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name)) {
      const docs = (node as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc;
      const text = docs?.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ");
      if (text) comments.set(node.name.text, text.replace(/\s+/g, " ").trim());
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return comments;
}

export function configVariables(): ConfigVariable[] {
  const schema = z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, { default?: unknown }>;
    required?: string[];
  };
  const comments = docComments();
  const missing = Object.keys(schema.properties).filter((name) => !comments.has(name));
  if (missing.length)
    throw new Error(
      `shared/platform/config.ts: give ${missing.join(", ")} a /** doc comment */ (it is the README's meaning column)`,
    );
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    default: property.default === undefined ? undefined : String(property.default),
    required: schema.required?.includes(name) ?? false,
    meaning: comments.get(name) as string,
    requiredInProductionBy: [...(REQUIRED_IN_PRODUCTION[name as keyof typeof REQUIRED_IN_PRODUCTION] ?? [])],
    deployment: (SET_BY_TERRAFORM as string[]).includes(name)
      ? "terraform"
      : (NEVER_DEPLOYED as string[]).includes(name)
        ? "never"
        : "function_config",
  }));
}

/** Text made safe for a Markdown table cell (pipes, and stars the formatter would read as emphasis). */
export const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("*", "\\*");

/** The README's configuration table. */
export function configTable(variables = configVariables()): string {
  const rows = variables.map((v) => [
    `\`${v.name}\``,
    v.required
      ? "(required)"
      : v.default === undefined
        ? "unset"
        : v.default === ""
          ? "empty"
          : `\`${v.default}\``,
    v.deployment === "terraform"
      ? "set by Terraform"
      : v.deployment === "never"
        ? "never in a deployment"
        : v.requiredInProductionBy.length
          ? `required by ${v.requiredInProductionBy.map((f) => `\`${f}\``).join(", ")}`
          : "optional",
    cell(v.meaning),
  ]);
  return markdownTable(["variable", "default", "in production", "meaning"], rows);
}

/** A Markdown table with padded columns (what the formatter would write). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

/**
 * terraform/config-variables.json: what the Terraform reads to check a deployment's inputs: the variables a
 * deployment may set in `function_config`, and per manifest function the variables it needs in production.
 */
export function terraformConfigSpec(variables = configVariables()): string {
  const functions = loadManifest().functions.map((f) => f.name);
  const spec = {
    comment: "Generated by `npm run generate` from shared/platform/config.ts and config-requirements.ts.",
    settable: variables.filter((v) => v.deployment === "function_config").map((v) => v.name),
    setByTerraform: variables.filter((v) => v.deployment === "terraform").map((v) => v.name),
    requiredInProduction: Object.fromEntries(functions.map((name) => [name, requiredInProduction(name)])),
  };
  return `${JSON.stringify(spec, null, 2)}\n`;
}
