import { describe, expect, it } from "vitest";
import { type XmlLimits, xmlLimitProblem } from "./xml-limits";

const LIMITS: XmlLimits = { maxDepth: 4, maxElements: 6, maxAttributes: 2 };
const nest = (n: number) => `${"<a>".repeat(n)}${"</a>".repeat(n)}`;

describe("xmlLimitProblem (the shape bound run before any XML parser)", () => {
  it("accepts a document within the limits, self-closing tags and quoted '>' included", () => {
    expect(xmlLimitProblem(`<?xml version="1.0"?><r x="a>b" y='c'><a/><b>t &gt; u</b></r>`, LIMITS)).toBe(
      undefined,
    );
  });

  it("refuses nesting deeper than the limit", () => {
    expect(xmlLimitProblem(nest(4), LIMITS)).toBe(undefined);
    expect(xmlLimitProblem(nest(5), LIMITS)).toBe("elements nested deeper than 4 levels");
  });

  it("refuses more elements than the limit, however flat", () => {
    expect(xmlLimitProblem(`<r>${"<a/>".repeat(5)}</r>`, LIMITS)).toBe(undefined);
    expect(xmlLimitProblem(`<r>${"<a/>".repeat(6)}</r>`, LIMITS)).toBe("more than 6 elements");
  });

  it("refuses an element with too many attributes, namespace declarations counted", () => {
    expect(xmlLimitProblem(`<r a="1" xmlns:b="u"/>`, LIMITS)).toBe(undefined);
    expect(xmlLimitProblem(`<r a="1" xmlns:b="u" c='='/>`, LIMITS)).toBe(
      "an element has more than 2 attributes",
    );
  });

  it("is not fooled by end tags hidden in comments, CDATA or attribute values", () => {
    const hidden = [
      `<!-- ${"</a>".repeat(3)} -->`,
      `<![CDATA[${"</a>".repeat(3)}]]>`,
      `<x v="${"</a>".repeat(3)}"/>`,
    ];
    for (const trick of hidden) {
      // Three real levels, then the trick, then two more: five levels for a parser.
      expect(
        xmlLimitProblem(`<a><a><a>${trick}<a><a></a></a></a></a></a>`, { ...LIMITS, maxElements: 99 }),
      ).toBe("elements nested deeper than 4 levels");
    }
  });

  it("refuses DTDs, stray end tags and anything left unterminated", () => {
    expect(xmlLimitProblem(`<!DOCTYPE r><r/>`, LIMITS)).toMatch(/DTD/);
    expect(xmlLimitProblem(`<r/></r>`, LIMITS)).toMatch(/end tag has no start tag/);
    for (const bad of [`<r><!-- x`, `<r><![CDATA[ x`, `<r a="x>`, `<r`, `<?pi`, `<r></r`]) {
      expect(xmlLimitProblem(bad, LIMITS)).toMatch(/not terminated/);
    }
  });

  it("stops at the first breach in 145 KB of pathological nesting or width (timed in bench/sign-in.bench.ts)", () => {
    for (const xml of [nest(20_000), `<r>${"<a/>".repeat(36_000)}</r>`]) {
      const limits = { maxDepth: 20, maxElements: 500, maxAttributes: 32 };
      expect(xmlLimitProblem(xml, limits)).toMatch(/deeper than 20|more than 500/);
    }
  });
});
