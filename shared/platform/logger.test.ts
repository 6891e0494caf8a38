import { describe, expect, it } from "vitest";
import { createLogger, REPORTED_ERROR_TYPE, traceFromHeaders } from "./logger";

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

  it("gives error lines the stack, the cause chain and Error Reporting's type, so errors are grouped", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = new Error("Secret token-encryption-keys could not be read", { cause });
    log.error("event.failed_bug", { error, grant: { refreshToken: "1//x" } });
    log.warn("quota.near", { error });
    const [line, warning] = lines.map((l) => JSON.parse(l));
    expect(line).toMatchObject({
      severity: "ERROR",
      "@type": REPORTED_ERROR_TYPE,
      serviceContext: { service: expect.any(String) },
      error: {
        name: "Error",
        message: "Secret token-encryption-keys could not be read",
        cause: { message: "socket hang up", code: "ECONNRESET" },
      },
      grant: { refreshToken: "[redacted]" },
    });
    expect(line.stack_trace).toMatch(/^Error: Secret token-encryption-keys could not be read\n\s+at /);
    expect(line.stack_trace).toMatch(/\nCaused by: Error: socket hang up\n\s+at /);
    expect(warning["@type"]).toBeUndefined();
    expect(warning.stack_trace).toBeUndefined();
  });
});
