import { describe, expect, it } from "vitest";
import { createLogger, traceFromHeaders } from "./logger";

describe("structured logging", () => {
  it("reads a W3C traceparent", () => {
    expect(
      traceFromHeaders({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }),
    ).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      sampled: true,
    });
  });

  it("falls back to X-Cloud-Trace-Context, converting the decimal span id", () => {
    expect(traceFromHeaders({ "x-cloud-trace-context": "105445aa7843bc8bf206b12000100000/1;o=1" })).toEqual({
      traceId: "105445aa7843bc8bf206b12000100000",
      spanId: "0000000000000001",
      sampled: true,
    });
  });

  it("writes Cloud Logging's severity and trace fields, and drops lines under the level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "INFO", projectId: "sb-prod", write: (l) => lines.push(l) });
    log.debug("noise");
    log.withTrace({ traceId: "abc", spanId: "def" }).warn("quota.near", { used: 90 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      severity: "WARNING",
      message: "quota.near",
      used: 90,
      "logging.googleapis.com/trace": "projects/sb-prod/traces/abc",
      "logging.googleapis.com/spanId": "def",
    });
  });
});
