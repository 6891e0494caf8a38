// Every file (or marked section of a file) generated from a source of truth, in one list: `npm run generate`
// writes them, and generated.test.ts fails when one is out of date.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { secretsTable } from "../secrets/secret-catalog";
import { API_CLIENT_SCHEMA, apiClientSchema } from "./api-client-schema";
import { configTable, terraformConfigSpec } from "./config-variables";
import { eventSchema, OUTBOUND_EVENTS, schemaPath } from "./outbound-events";
import { terraformInputsTable, terraformOutputsTable } from "./terraform-tables";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
const TERRAFORM = join(REPO, "terraform");

export interface Artifact {
  /** Path from the repository root. */
  path: string;
  /** A section between `<!-- generated:<section> -->` and `<!-- /generated:<section> -->`; the whole file when absent. */
  section?: string;
  render(): string | Promise<string>;
}

export const ARTIFACTS: Artifact[] = [
  { path: "README.md", section: "config-table", render: () => configTable() },
  { path: API_CLIENT_SCHEMA, render: () => apiClientSchema() },
  { path: "terraform/config-variables.json", render: () => terraformConfigSpec() },
  { path: "docs/secrets.md", section: "secrets-table", render: () => secretsTable() },
  ...OUTBOUND_EVENTS.map((event) => ({ path: schemaPath(event), render: () => eventSchema(event) })),
  { path: "terraform/README.md", section: "terraform-inputs", render: () => terraformInputsTable(TERRAFORM) },
  {
    path: "terraform/README.md",
    section: "terraform-outputs",
    render: () => terraformOutputsTable(TERRAFORM),
  },
];

const markers = (section: string) =>
  [`<!-- generated:${section} -->`, `<!-- /generated:${section} -->`] as const;

/** The file's text with the artifact in place. */
export async function applyArtifact(artifact: Artifact, current: string | undefined): Promise<string> {
  const content = await artifact.render();
  // JSON is compared by value: the formatter (biome) may lay it out differently from JSON.stringify.
  if (artifact.path.endsWith(".json") && current !== undefined && sameJson(current, content)) return current;
  if (!artifact.section) return content;
  const [start, end] = markers(artifact.section);
  const from = current?.indexOf(start) ?? -1;
  const to = current?.indexOf(end) ?? -1;
  if (current === undefined || from < 0 || to < from)
    throw new Error(`${artifact.path}: add the markers ${start} and ${end} where the generated text goes`);
  return `${current.slice(0, from + start.length)}\n${content}\n${current.slice(to)}`;
}

export function readCurrent(path: string): string | undefined {
  try {
    return readFileSync(join(REPO, path), "utf8");
  } catch {
    return undefined;
  }
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
