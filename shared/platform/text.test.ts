import { describe, expect, it } from "vitest";
import { codePointPrefixes, truncateText } from "./text";

const isWellFormed = (s: string) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""));

describe("code-point-safe text", () => {
  it("never cuts an emoji in half when truncating", () => {
    expect(truncateText("ab😀", 3)).toBe("ab");
    expect(truncateText("ab😀", 4)).toBe("ab😀");
    expect(truncateText("abc", 2)).toBe("ab");
    for (let n = 1; n <= 12; n++) expect(isWellFormed(truncateText("😀x😀😀y", n))).toBe(true);
  });

  it("gives prefixes that end on whole characters", () => {
    expect(codePointPrefixes("😀ab", 16)).toEqual(["😀", "😀a", "😀ab"]);
    expect(codePointPrefixes("abc", 2)).toEqual(["a", "ab"]);
    expect(codePointPrefixes("", 4)).toEqual([]);
  });
});
