import { describe, expect, it } from "vitest";
import { AppError } from "../platform/errors";
import { cachedClient } from "./cached-client";

const unauthenticated = () =>
  new AppError("forbidden", "refused", { cause: { response: { status: 401, data: {} } } });
const forbidden = () =>
  new AppError("forbidden", "refused", { cause: { response: { status: 403, data: {} } } });

describe("cachedClient", () => {
  it("builds the port once and reuses it", async () => {
    let builds = 0;
    const api = cachedClient(async () => {
      builds++;
      return { get: async (x: number) => x * 2 };
    }, ["get"]);
    expect(await api.get(1)).toBe(2);
    expect(await api.get(2)).toBe(4);
    expect(builds).toBe(1);
  });

  it("rebuilds once with fresh credentials after a 401, and not after a 403", async () => {
    let builds = 0;
    const api = cachedClient(async () => {
      const build = ++builds;
      return {
        get: async (kind: "401" | "403") => {
          if (build === 1 && kind === "401") throw unauthenticated();
          if (kind === "403") throw forbidden();
          return build;
        },
      };
    }, ["get"]);
    expect(await api.get("401")).toBe(2);
    await expect(api.get("403")).rejects.toThrow("refused");
    expect(builds).toBe(2);
  });

  it("does not keep a build that failed", async () => {
    let builds = 0;
    const api = cachedClient(async () => {
      if (++builds === 1) throw new Error("no key yet");
      return { get: async () => "ok" };
    }, ["get"]);
    await expect(api.get()).rejects.toThrow("no key yet");
    expect(await api.get()).toBe("ok");
  });
});
