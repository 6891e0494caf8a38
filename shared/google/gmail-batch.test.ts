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

  it("reads subjects and dates of many messages in batches of 10 parts (format=metadata); a missing message is left out", async () => {
    sim.control.clearRequestLog();
    const api = gmailApi({ rootUrl: sim.url }, async () => token);
    const ids = await api.search(`from:${CAROL}`, 100);
    expect(ids).toHaveLength(60);
    const { messages, throttled } = await api.metadata([...ids.map((m) => m.id), "ffffffffffffffff"]);
    expect(throttled).toBe(0);
    const summaries = messages.sort((a, b) => b.date - a.date);
    expect(summaries).toHaveLength(60);
    expect(summaries[0]?.subject).toBe("Note 59");
    expect(sim.control.requestCount({ method: "gmail.batch" })).toBe(7);
    expect(sim.control.requestCount({ method: "gmail.users.messages.get", status: 429 })).toBe(0);
    const gets = sim.control.requests({ method: "gmail.users.messages.get" });
    expect(gets).toHaveLength(61);
  });

  it("every part throttled, retries spent: surfaces as a rate-limited error", async () => {
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

  // googleapis/google-api-python-client#582: with gmail.metadata anywhere in the grant, Google refuses q
  // (even beside gmail.readonly). The adapter never sends q then: it scans the newest messages' headers.
  it("a grant holding gmail.metadata: searches without q, by the newest messages' From/To/Cc", async () => {
    const now = sim.control.now().getTime();
    sim.control.gmail.sendEmail({ from: "dave@other.example", to: [ALICE], subject: "Unrelated", at: now });
    const both = bearer(sim, ALICE, [GMAIL_SCOPES.readonly, GMAIL_SCOPES.metadata]);
    const grant = {
      token: String(both.credentials.access_token),
      scopes: [GMAIL_SCOPES.readonly, GMAIL_SCOPES.metadata],
    };
    sim.control.clearRequestLog();
    const api = gmailApi({ rootUrl: sim.url }, async () => grant);
    const ids = await api.search(`from:${CAROL} OR to:${CAROL} OR cc:${CAROL}`, 10, CAROL);
    expect(ids).toHaveLength(10);
    const { messages } = await api.metadata(ids.map((m) => m.id));
    expect(messages.map((m) => m.subject)).toContain("Note 59");
    expect(messages.map((m) => m.subject)).not.toContain("Unrelated");
    expect(sim.control.requestCount({ api: "gmail", status: 403 })).toBe(0);
  });
});
