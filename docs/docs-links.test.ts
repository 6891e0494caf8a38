// The project explains itself: no file sends the reader to a document outside the repository, and every
// `docs/<name>.md#anchor` (or relative Markdown link) a file cites exists, down to the heading.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP_DIRS = new Set(["node_modules", "dist", ".local", "coverage", ".git"]);
const TEXT_FILE = /\.(ts|cjs|mjs|js|md|json|tf)$/;
const SELF = "docs/docs-links.test.ts";

/** Documents that live outside the repository, and references to the issue tracker instead of the code. */
const OUTSIDE = [
  /\b(?:GOOGLE-APIS|GOOGLE-FIDELITY|FIELD-NOTES|STYLE-ANCHORS)\b/,
  /\bDESIGN\.md\b/,
  /\/work\/shared\b/,
  /\bissue #?\d+\b/i,
];

function projectFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : projectFiles(path);
    return TEXT_FILE.test(entry.name) && entry.name !== "package-lock.json" ? [relative(ROOT, path)] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) {
      const slug = heading[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1] as string);
  }
  return anchors;
}

/** Where a file points into the docs: `docs/x.md#a` anywhere, and relative links in Markdown. */
function docTargets(file: string, text: string): Array<{ path: string; anchor: string | undefined }> {
  const targets = [...text.matchAll(/(?<![\w/.-])docs\/[\w./-]+?\.md(?![\w])(?:#[\w-]+)?/g)].map((m) => {
    const [path, anchor] = m[0].split("#");
    return { path: path as string, anchor };
  });
  if (file.endsWith(".md")) {
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1] as string;
      if (/^[a-z]+:/i.test(link)) continue;
      const [target, anchor] = link.split("#");
      const path = target ? relative(ROOT, resolve(ROOT, dirname(file), target)) : file;
      targets.push({ path, anchor });
    }
  }
  return targets;
}

function brokenTargets(file: string, text: string): string[] {
  return docTargets(file, text).flatMap(({ path, anchor }) => {
    const full = join(ROOT, path);
    if (!existsSync(full)) return [`${file}: ${path} does not exist`];
    if (anchor === undefined || !path.endsWith(".md")) return [];
    return headingAnchors(readFileSync(full, "utf8")).has(anchor)
      ? []
      : [`${file}: ${path}#${anchor} names no heading`];
  });
}

const files = projectFiles().filter((f) => f !== SELF);

describe("the project's documentation", () => {
  it("never sends the reader to a document outside the repository", () => {
    const found = files.flatMap((file) =>
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, i) =>
          OUTSIDE.some((pattern) => pattern.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(found).toEqual([]);
  });

  it("cites only docs and anchors that exist", () => {
    const docs = files.filter((f) => f.startsWith("docs/") && f.endsWith(".md"));
    expect(docs).toEqual(expect.arrayContaining(["docs/google-behaviour.md", "docs/product.md"]));
    expect(files.flatMap((file) => brokenTargets(file, readFileSync(join(ROOT, file), "utf8")))).toEqual([]);
  });

  it("reads anchors and links the way GitHub renders them", () => {
    const anchors = headingAnchors(
      "# Title\n## People: sync tokens\n```\n# not a heading\n```\n## Notes\n## Notes",
    );
    expect([...anchors]).toEqual(["title", "people-sync-tokens", "notes", "notes-1"]);
    expect(brokenTargets("x.ts", "// see docs/google-behaviour.md#people-sync-tokens")).toEqual([]);
    expect(brokenTargets("x.ts", "// see docs/google-behaviour.md#people-sync-token")).toEqual([
      "x.ts: docs/google-behaviour.md#people-sync-token names no heading",
    ]);
    expect(brokenTargets("x.ts", "// see docs/nowhere.md")).toEqual(["x.ts: docs/nowhere.md does not exist"]);
    expect(brokenTargets("docs/product.md", "[a](google-behaviour.md#oauth-revocation)")).toEqual([]);
  });
});
