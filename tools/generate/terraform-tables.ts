// terraform/README.md's Inputs and Outputs tables, read from variables.tf and outputs.tf with the same HCL
// parser the Terraform tests use, so a new or changed variable needs only `npm run generate`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { cell, markdownTable } from "./config-variables";

type Block = Record<string, unknown>;
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) as Block;
/** HCL as hcl2json renders it, shown as a reader would write it: `${x}` becomes x. */
const hclText = (v: unknown): string => {
  if (typeof v === "string") return v.replace(/^\$\{([\s\S]*)\}$/, "$1").replace(/\s+/g, " ");
  return JSON.stringify(v).replace(/"([^"]+)":/g, "$1 = ");
};

async function blocks(
  dir: string,
  file: string,
  kind: "variable" | "output",
): Promise<Array<[string, Block]>> {
  const path = join(dir, file);
  const json = (await parse(path, readFileSync(path, "utf8"))) as Block;
  return Object.entries((json[kind] as Block | undefined) ?? {}).map(([name, b]) => [name, first(b)]);
}

export async function terraformInputsTable(dir: string): Promise<string> {
  const rows = (await blocks(dir, "variables.tf", "variable")).map(([name, v]) => [
    `\`${name}\``,
    `\`${cell(hclText(v.type))}\``,
    "default" in v ? `\`${cell(v.default === null ? "null" : hclText(v.default))}\`` : "required",
    cell(String(v.description ?? "")),
  ]);
  return markdownTable(["name", "type", "default", "description"], rows);
}

export async function terraformOutputsTable(dir: string): Promise<string> {
  const rows = (await blocks(dir, "outputs.tf", "output")).map(([name, o]) => [
    `\`${name}\``,
    cell(String(o.description ?? "")),
  ]);
  return markdownTable(["name", "description"], rows);
}
