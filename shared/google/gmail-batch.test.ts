// The multipart/mixed batch builder and parser, and the Gmail adapter, against the simulator's batch endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GMAIL_SCOPES, type RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { ALICE, bearer, startTestSim } from "../../tools/workspace-sim/src/test-support";
import { gmailApi } from "./gmail-api";
import { buildBatchBody, parseBatchResponse } from "./gmail-batch";

let sim: RunningWorkspaceSim;
let token: string;
const CAROL = "carol@customer.example";

beforeAll(async () => {
  sim = await startTestSim();
  const now = sim.control.now().getTime();
  for (let i = 0; i < 60; i++) {
    sim.control.gmail.sendEmail({
      from: CAROL,
      to: [ALICE],
      subject: `Note ${i}`,
      at: now - (60 - i) * 60_000,
    });
  }
  token = String(bearer(sim, ALICE, [GMAIL_SCOPES.readonly]).credentials.access_token);
});
afterAll(async () => {
  await sim?.stop();
});

describe("gmail batch", () => {
  it("builds parts with Content-IDs and parses answers back into request order", () => {
    const { body, contentType } = buildBatchBody(
      [
        { method: "GET", path: "/a" },
        { method: "GET", path: "/b" },
      ],
      "xyz",
    );
    expect(contentType).toBe("multipart/mixed; boundary=xyz");
    expect(body).toBe(
      "--xyz\r\nContent-Type: application/http\r\nContent-ID: <item1>\r\n\r\nGET /a\r\n\r\n--xyz\r\nContent-Type: application/http\r\nContent-ID: <item2>\r\n\r\nGET /b\r\n\r\n--xyz--\r\n",
    );
    const answer =
      '--r\r\nContent-Type: application/http\r\nContent-ID: <response-item2>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{"error":{}}\r\n' +
      '--r\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"id":"a"}\r\n--r--\r\n';
    const parts = parseBatchResponse(answer, "multipart/mixed; boundary=r");
    expect(parts.map((p) => [p.index, p.status])).toEqual([
      [0, 200],
      [1, 404],
    ]);
    expect(parts[0]?.body).toEqual({ id: "a" });
    expect(() => buildBatchBody([])).toThrow();
  });

  it("reads subjects and dates of many messages in one batch per 50 calls (format=metadata); a missing message is left out", async () => {
    sim.control.clearRequestLog();
    const api = gmailApi({ rootUrl: sim.url }, async () => token);
    const ids = await api.search(`from:${CAROL}`, 100);
    expect(ids).toHaveLength(60);
    const summaries = await api.metadata([...ids.map((m) => m.id), "ffffffffffffffff"]);
    expect(summaries).toHaveLength(60);
    expect(summaries[0]?.subject).toBe("Note 59");
    expect(summaries[0]?.date).toBeGreaterThan(summaries[1]?.date ?? Infinity);
    expect(sim.control.requestCount({ method: "gmail.batch" })).toBe(2);
    const gets = sim.control.requests({ method: "gmail.users.messages.get" });
    expect(gets).toHaveLength(61);
  });

  it("a throttled part surfaces as a rate-limited error", async () => {
    const api = gmailApi({ rootUrl: sim.url }, async () => token, { retry: { maxAttempts: 1 } });
    const ids = await api.search(`from:${CAROL}`, 2);
    sim.control.injectFault({ api: "gmail", method: "gmail.users.messages.get", fail: "429" });
    try {
      await expect(api.metadata(ids.map((m) => m.id))).rejects.toMatchObject({
        code: "upstream_unavailable",
      });
    } finally {
      sim.control.clearFaults();
    }
  });
});
