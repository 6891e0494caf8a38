import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allTopics, loadManifest, Manifest } from "./manifest";

const here = fileURLToPath(new URL(".", import.meta.url));
const folders = readdirSync(here)
  .filter((name) => statSync(join(here, name)).isDirectory())
  .sort();

describe("function manifest", () => {
  const manifest = loadManifest();

  it("lists exactly the function folders, no more and no fewer", () => {
    expect(manifest.functions.map((f) => f.name).sort()).toEqual(folders);
  });

  it("has an index.ts entry in every function folder", () => {
    for (const name of folders) expect(statSync(join(here, name, "index.ts")).isFile()).toBe(true);
  });

  it("derives the topic list from what functions consume and publish", () => {
    expect(allTopics(manifest)).toContain("audit-events");
  });

  it("refuses an inconsistent entry with a message naming the function", () => {
    const [first] = manifest.functions;
    const broken = { functions: [{ ...first, trigger: "schedule", schedule: null, topic: "ticks" }] };
    const result = Manifest.safeParse(broken);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join()).toMatch(/schedule function needs schedule/);
  });

  it("refuses a function listed twice", () => {
    const [first] = manifest.functions;
    expect(Manifest.safeParse({ functions: [first, first] }).success).toBe(false);
  });
});
