// Gmail's per-user concurrent-request limit, through raw multipart batches (the Node clients cannot batch)
// and the real @googleapis/gmail client. Sources: googleapis/google-api-dotnet-client#1982 (per-part 429
// "Too many concurrent requests for user", reason rateLimitExceeded, domain global); amd/gaia#2716 and
// #2720 (a 100-part batch is refused in part, 25 parts pass cold); taylorwilsdon/google_workspace_mcp#1009.
import { gmail } from "@googleapis/gmail";
import type { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, bearer, googleError, startTestSim } from "../test-support";
import { GMAIL_SCOPES } from "./messages-api";

let sim: RunningWorkspaceSim;
let ids: string[];
const CAROL = "carol@customer.example";

const tokenOf = (user: string) =>
  String((bearer(sim, user, [GMAIL_SCOPES.readonly]) as OAuth2Client).credentials.access_token);

async function runBatch(user: string, paths: string[]): Promise<{ statuses: number[]; bodies: unknown[] }> {
  const boundary = "cc_batch";
  const body = `${paths
    .map(
      (p, i) =>
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item${i + 1}>\r\n\r\nGET ${p}\r\n\r\n`,
    )
    .join("")}--${boundary}--\r\n`;
  const res = await fetch(`${sim.url}/batch/gmail/v1`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${tokenOf(user)}`,
      "content-type": `multipart/mixed; boundary=${boundary}`,
    },
    body,
  });
  expect(res.status).toBe(200);
  const answer = /boundary=(\S+)/.exec(res.headers.get("content-type")!)![1]!;
  const parts = (await res.text()).split(`--${answer}`).slice(1, -1);
  return {
    statuses: parts.map((p) => Number(/HTTP\/1\.1 (\d+)/.exec(p)![1])),
    bodies: parts.map((p) => JSON.parse(p.slice(p.indexOf("{")))),
  };
}

const gets = (n: number) =>
  Array.from({ length: n }, (_, i) => `/gmail/v1/users/me/messages/${ids[i % ids.length]}?format=minimal`);

beforeAll(async () => {
  sim = await startTestSim();
  const now = sim.control.now().getTime();
  for (let i = 0; i < 10; i++)
    sim.control.gmail.sendEmail({ from: CAROL, to: [ALICE], subject: `Note ${i}`, at: now - i * 60_000 });
  ids = sim.control.gmail.messages(ALICE).map((m) => m.id);
});
afterAll(() => sim.stop());

describe("Gmail per-user concurrency (realistic by default)", () => {
  it("a 100-part batch: the first 25 parts run, the other 75 get 429 'Too many concurrent requests for user.'", async () => {
    sim.control.clearRequestLog();
    const { statuses, bodies } = await runBatch(ALICE, gets(100));
    expect(statuses.slice(0, 25).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(25).every((s) => s === 429)).toBe(true);
    expect(bodies[25]).toEqual({
      error: {
        code: 429,
        message: "Too many concurrent requests for user.",
        errors: [
          {
            message: "Too many concurrent requests for user.",
            domain: "global",
            reason: "rateLimitExceeded",
          },
        ],
        status: "RESOURCE_EXHAUSTED",
      },
    });
    // Refused parts are logged (status 429) but never ran, so they are not charged.
    expect(sim.control.requestCount({ method: "gmail.users.messages.get", status: 200 })).toBe(25);
    expect(sim.control.requestCount({ method: "gmail.users.messages.get", status: 429 })).toBe(75);
  });

  it("a 25-part batch passes whole; slots are free again once a batch has answered", async () => {
    for (let i = 0; i < 3; i++) {
      const { statuses } = await runBatch(ALICE, gets(25));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
  });

  it("counts what the user has in flight from other clients: only the free slots run, per user", async () => {
    const load = sim.control.gmail.simulateLoad(ALICE, 20);
    try {
      const { statuses } = await runBatch(ALICE, gets(10));
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
      // Another user has their own slots.
      const bob = await runBatch(BOB, [`/gmail/v1/users/me/messages?maxResults=1`]);
      expect(bob.statuses).toEqual([200]);
    } finally {
      load.release();
    }
    expect((await runBatch(ALICE, gets(10))).statuses.every((s) => s === 200)).toBe(true);
  });

  it("a single request through the Gmail client is refused the same way when no slot is free", async () => {
    const client = gmail({
      version: "v1",
      rootUrl: `${sim.url}/`,
      auth: bearer(sim, ALICE, [GMAIL_SCOPES.readonly]) as OAuth2Client,
      retry: false,
    });
    const load = sim.control.gmail.simulateLoad(ALICE, 25, { untilRefusals: 1 });
    const refused = await googleError(
      client.users.messages.get({ userId: "me", id: ids[0]!, format: "minimal" }),
    );
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe("Too many concurrent requests for user.");
    expect(refused.body.error.errors[0]).toMatchObject({ reason: "rateLimitExceeded", domain: "global" });
    // That load finished just after the refusal: the retry runs.
    expect((await client.users.messages.get({ userId: "me", id: ids[0]!, format: "minimal" })).status).toBe(
      200,
    );
    load.release();
  });

  it("the limit is a setting: null turns it off (a test isolating another behaviour)", async () => {
    sim.control.gmail.configure({ concurrentRequestsPerUser: null });
    try {
      expect((await runBatch(ALICE, gets(100))).statuses.every((s) => s === 200)).toBe(true);
    } finally {
      sim.control.gmail.configure({ concurrentRequestsPerUser: 25 });
    }
  });
});
