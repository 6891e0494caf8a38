// The architecture check: the layer rules in .dependency-cruiser.cjs, run over the real import graph by
// dependency-cruiser, plus one rule it cannot say alone: no cycle between capabilities (through their
// entry files). A violation fails the suite with the rule's name and the offending import.
import { createRequire } from "node:module";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const config = require("./.dependency-cruiser.cjs");
let result: ICruiseResult;

beforeAll(async () => {
  const output = await cruise(["shared", "functions"], {
    ...config.options,
    ruleSet: config,
    validate: true,
  });
  result = output.output as ICruiseResult;
}, 120_000);

const capabilityOf = (path: string) =>
  /^shared\/(accounts|audit|identity|contacts|presence|directory|sidebar|orgs)\//.exec(path)?.[1];
const isTest = (path: string) => /\.test\.ts$|\/test\//.test(path);

describe("architecture", () => {
  it("keeps every layer rule: entries → wiring → capabilities (through entry files) → google → platform", () => {
    const violations = result.summary.violations.map(
      (v) =>
        `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(" → ")})` : ""}`,
    );
    expect(violations).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(100);
  });

  it("has no cycle between capabilities", () => {
    const edges = new Map<string, Set<string>>();
    for (const module of result.modules) {
      const from = capabilityOf(module.source);
      if (!from || isTest(module.source)) continue;
      for (const dep of module.dependencies) {
        const to = capabilityOf(dep.resolved);
        if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(" → "));
        return;
      }
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
