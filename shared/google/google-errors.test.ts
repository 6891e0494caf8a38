// The one classification of Google errors, on both envelope styles Google sends (the classic
// errors[].reason of Calendar, Gmail, Drive and Directory, calendar/api/guides/errors; the newer
// status + ErrorInfo of People), and the line between a network failure (retry) and our own bug (never).
import { describe, expect, it } from "vitest";
import { AppError } from "../platform/errors";
import { classifyGoogleError, isRateLimited, toAppError } from "./google-errors";
import { withGoogleRetry } from "./retry";

/** A gaxios-shaped error carrying Google's body. */
const answered = (status: number, error: Record<string, unknown>) =>
  Object.assign(new Error(String(error.message ?? status)), {
    response: { status, data: { error }, headers: {} },
  });

const classic = (status: number, reason: string, domain = "global") =>
  answered(status, { code: status, message: reason, errors: [{ domain, reason, message: reason }] });
const rich = (status: number, status_: string, infoReason: string) =>
  answered(status, {
    code: status,
    message: infoReason,
    status: status_,
    details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: infoReason }],
  });

describe("classifyGoogleError", () => {
  it("reads a rate limit from either envelope: errors[].reason alone, or ErrorInfo alone", () => {
    expect(classifyGoogleError(classic(403, "userRateLimitExceeded", "usageLimits")).kind).toBe(
      "rate_limited",
    );
    expect(classifyGoogleError(classic(403, "rateLimitExceeded", "usageLimits")).kind).toBe("rate_limited");
    expect(classifyGoogleError(rich(403, "PERMISSION_DENIED", "RATE_LIMIT_EXCEEDED")).kind).toBe(
      "rate_limited",
    );
    expect(isRateLimited(classic(429, "rateLimitExceeded"))).toBe(true);
    // A 403 whose ErrorInfo says nothing about quota but whose errors[] does is still a rate limit.
    const both = answered(403, {
      code: 403,
      errors: [{ domain: "usageLimits", reason: "userRateLimitExceeded" }],
      details: [{ reason: "SOMETHING_ELSE" }],
    });
    expect(classifyGoogleError(both).kind).toBe("rate_limited");
  });

  it("reads an expired cursor from Calendar's classic 410 and People's ErrorInfo 400", () => {
    const calendar410 = answered(410, {
      code: 410,
      message: "Sync token is no longer valid, a full sync is required.",
      errors: [
        {
          domain: "calendar",
          reason: "fullSyncRequired",
          message: "Sync token is no longer valid, a full sync is required.",
          locationType: "parameter",
          location: "syncToken",
        },
      ],
    });
    expect(classifyGoogleError(calendar410).kind).toBe("expired_cursor");
    expect(classifyGoogleError(rich(400, "FAILED_PRECONDITION", "EXPIRED_SYNC_TOKEN")).kind).toBe(
      "expired_cursor",
    );
    expect(classifyGoogleError(classic(410, "deleted")).kind).toBe("not_found");
  });

  it("sorts statuses: 401 refused token, 403 refusal, 404, 412 precondition, other 4xx, 5xx", () => {
    expect(classifyGoogleError(classic(401, "authError")).kind).toBe("unauthenticated");
    expect(classifyGoogleError(rich(403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")).kind).toBe(
      "forbidden",
    );
    expect(classifyGoogleError(classic(404, "notFound")).kind).toBe("not_found");
    expect(classifyGoogleError(classic(412, "conditionNotMet")).kind).toBe("precondition");
    expect(classifyGoogleError(classic(400, "failedPrecondition")).kind).toBe("precondition");
    expect(classifyGoogleError(classic(400, "invalid")).kind).toBe("rejected");
    expect(classifyGoogleError(classic(503, "backendError")).kind).toBe("unavailable");
  });

  it("tells a network failure from a bug in our code when there is no HTTP answer", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const fetchFailed = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "UND_ERR_CONNECT_TIMEOUT" }),
    });
    expect(classifyGoogleError(reset).kind).toBe("network");
    expect(classifyGoogleError(fetchFailed).kind).toBe("network");
    expect(classifyGoogleError(new Error("socket hang up")).kind).toBe("network");
    expect(classifyGoogleError(Object.assign(new Error("t"), { code: "ETIMEDOUT" })).kind).toBe("network");
    expect(
      classifyGoogleError(new TypeError("Cannot read properties of undefined (reading 'id')")).kind,
    ).toBe("bug");
    expect(classifyGoogleError(new AppError("precondition_failed", "reconnect")).kind).toBe("ours");
  });

  it("turns a bug into a non-retryable internal error, and passes our own errors through", () => {
    const bug = toAppError(new TypeError("x is not a function"), "people.get");
    expect(bug).toMatchObject({ code: "internal", retryable: false });
    const ours = new AppError("precondition_failed", "reconnect", { details: { reason: "needs_reauth" } });
    expect(toAppError(ours, "people.get")).toBe(ours);
    expect(toAppError(classic(503, "backendError"), "x")).toMatchObject({ retryable: true });
  });
});

describe("withGoogleRetry", () => {
  const fast = { sleep: async () => undefined, random: () => 0 };

  it("retries a reset connection and a 5xx, then succeeds", async () => {
    let calls = 0;
    const result = await withGoogleRetry(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      if (calls === 2) throw classic(503, "backendError");
      return "ok";
    }, fast);
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives a TypeError from our own code exactly one try", async () => {
    let calls = 0;
    await expect(
      withGoogleRetry(async () => {
        calls++;
        return (undefined as unknown as { data: string }).data;
      }, fast),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });
});
