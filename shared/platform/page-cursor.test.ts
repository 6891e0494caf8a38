import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "./errors";
import { pageCursor } from "./page-cursor";

const Position = z.object({ email: z.string().min(1), id: z.string().regex(/^\d+$/) });
const people = pageCursor("people", Position, { aliases: ["pageToken"] });
const envelope = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as AppError;
  }
  throw new Error("expected a refusal");
};

describe("page cursors", () => {
  it("hand back the position they were made from, as opaque base64url text", () => {
    const text = people.encode({ email: "ann@x.test", id: "42" });
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text).not.toContain("ann");
    expect(people.decode(text)).toEqual({ email: "ann@x.test", id: "42" });
  });

  it("are read from `cursor`, or from an older parameter name the route still accepts", () => {
    const text = people.encode({ email: "ann@x.test", id: "42" });
    expect(people.read(new URLSearchParams({ cursor: text }))).toEqual({ email: "ann@x.test", id: "42" });
    expect(people.read(new URLSearchParams({ pageToken: text }))).toEqual({ email: "ann@x.test", id: "42" });
    expect(people.read(new URLSearchParams())).toBeUndefined();
    expect(people.read(new URLSearchParams({ cursor: "" }))).toBeUndefined();
    const other = people.encode({ email: "bob@x.test", id: "7" });
    expect(people.read(new URLSearchParams({ cursor: other, pageToken: text }))?.email).toBe("bob@x.test");
  });

  it("refuse malformed, truncated, edited, oversized and other lists' cursors with invalid_cursor naming the parameter", () => {
    const good = people.encode({ email: "ann@x.test", id: "42" });
    const bad = [
      "garbage!",
      "bm90IGpzb24", // "not json"
      good.slice(0, -6),
      envelope({ v: 1, k: "people", p: { email: "ann@x.test", id: "../x" } }),
      envelope({ v: 2, k: "people", p: { email: "ann@x.test", id: "42" } }),
      envelope({ v: 1, k: "audit", p: { email: "ann@x.test", id: "42" } }),
      envelope({ v: 1, k: "people", p: { email: "ann@x.test", id: "42" } }).repeat(120),
    ];
    for (const text of bad) {
      const error = refusal(() => people.read(new URLSearchParams({ pageToken: text })));
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        code: "invalid_cursor",
        status: 400,
        details: { parameter: "pageToken" },
      });
      expect(error.message).toMatch(/^pageToken: /);
    }
    expect(refusal(() => people.decode("garbage!")).message).toMatch(/^cursor: /);
  });

  it("read a cursor of the format the route issued before, when the route says how, and validate it", () => {
    const legacy = pageCursor("people", Position, {
      legacy: (text) => {
        const [email, id] = text.split("|");
        return { email, id };
      },
    });
    expect(legacy.decode("ann@x.test|42")).toEqual({ email: "ann@x.test", id: "42" });
    expect(refusal(() => legacy.decode("ann@x.test|not-a-number"))).toMatchObject({ code: "invalid_cursor" });
  });
});
