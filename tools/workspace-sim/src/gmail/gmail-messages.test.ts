import { gmail, type gmail_v1 } from "@googleapis/gmail";
import type { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, bearer, googleError, startTestSim } from "../test-support";
import { GMAIL_SCOPES } from "./messages-api";
import { parseGmailQuery } from "./query";

let sim: RunningWorkspaceSim;
const CAROL = "carol@customer.example";
const DAN = "dan@dealer.example";
const DAY = 86_400_000;
let now: number;

function gmailFor(
  user: string,
  scopes: string[] = [GMAIL_SCOPES.readonly],
): { client: gmail_v1.Gmail; token: string } {
  const auth = bearer(sim, user, scopes) as OAuth2Client;
  return {
    client: gmail({ version: "v1", rootUrl: `${sim.url}/`, auth, retry: false }),
    token: String(auth.credentials.access_token),
  };
}

beforeAll(async () => {
  sim = await startTestSim();
  now = sim.control.now().getTime();
  const g = sim.control.gmail;
  g.sendEmail({
    from: { name: "Carol Client", email: CAROL },
    to: [ALICE],
    subject: "Renewal quote",
    body: "Please see the quote.",
    at: now - 1 * DAY,
  });
  g.sendEmail({
    from: ALICE,
    to: [CAROL],
    cc: [BOB],
    subject: "Re: Renewal quote",
    body: "Thanks Carol, Bob will follow up.",
    at: now - 0.5 * DAY,
  });
  g.sendEmail({
    from: DAN,
    to: [ALICE],
    subject: "Dealer catalogue",
    body: "Our new catalogue.",
    at: now - 10 * DAY,
  });
  g.sendEmail({
    from: ALICE,
    to: [DAN],
    subject: "Old order",
    body: "About the 2023 order.",
    at: Date.parse("2023-03-01T07:30:00Z"),
  }); // 23:30 PST on 28 Feb
  g.sendEmail({ from: BOB, to: [ALICE], subject: "Lunch?", body: "Pizza at noon?", at: now - 2 * DAY });
  const spam = g.sendEmail({
    from: "prize@spam.example",
    to: [ALICE],
    subject: "You won",
    body: "Claim now",
    at: now - 3 * DAY,
  });
  g.label(ALICE, spam[0]!.id, ["SPAM"], ["INBOX"]);
});
afterAll(() => sim.stop());

async function subjects(
  client: gmail_v1.Gmail,
  q: string,
  extra: Partial<gmail_v1.Params$Resource$Users$Messages$List> = {},
): Promise<string[]> {
  const list = await client.users.messages.list({ userId: "me", q, ...extra });
  const out: string[] = [];
  for (const m of list.data.messages ?? []) {
    const got = await client.users.messages.get({
      userId: "me",
      id: m.id!,
      format: "metadata",
      metadataHeaders: ["Subject"],
    });
    out.push(got.data.payload!.headers![0]!.value!);
  }
  return out;
}

describe("messages.list q (Gmail search syntax)", () => {
  it("supports from:, to:, cc:, OR, {…}, ( ), -, newer_than:, after:/before: (Pacific midnight), in:, label:", async () => {
    const { client } = gmailFor(ALICE);
    expect(await subjects(client, `from:${CAROL}`)).toEqual(["Renewal quote"]);
    expect(await subjects(client, "from:carol")).toEqual(["Renewal quote"]); // name or address words
    expect(await subjects(client, `to:${CAROL}`)).toEqual(["Re: Renewal quote"]);
    expect(await subjects(client, `cc:${BOB}`)).toEqual(["Re: Renewal quote"]);
    expect(await subjects(client, `from:${CAROL} OR to:${CAROL}`)).toEqual([
      "Re: Renewal quote",
      "Renewal quote",
    ]);
    expect(await subjects(client, `{from:${CAROL} to:${CAROL} cc:${CAROL}}`)).toEqual([
      "Re: Renewal quote",
      "Renewal quote",
    ]);
    expect(await subjects(client, `(from:${CAROL} OR from:${DAN}) -catalogue`)).toEqual(["Renewal quote"]);
    expect(await subjects(client, `from:(${CAROL} OR ${BOB})`)).toEqual(["Renewal quote", "Lunch?"]);
    expect(await subjects(client, "newer_than:2d in:inbox")).toEqual(["Renewal quote"]);
    expect(await subjects(client, "in:sent newer_than:1y")).toEqual(["Re: Renewal quote"]);
    // 07:30Z on 1 March is still 28 February in California.
    expect(await subjects(client, "after:2023/02/28 before:2023/03/01")).toEqual(["Old order"]);
    expect(await subjects(client, "after:2023/03/01 before:2023/03/02")).toEqual([]);
    expect(await subjects(client, "label:spam")).toEqual(["You won"]);
    expect(await subjects(client, "won")).toEqual([]); // spam hidden without includeSpamTrash
    expect(await subjects(client, "won", { includeSpamTrash: true })).toEqual(["You won"]);
    expect(parseGmailQuery("a b OR c -d")).toMatchObject({
      k: "and",
      items: [{ k: "term" }, { k: "or" }, { k: "not" }],
    });
  });

  it("returns ids, threadIds and resultSizeEstimate; caps maxResults at 500 and pages with tokens", async () => {
    for (let i = 0; i < 520; i++)
      sim.control.gmail.sendEmail({
        from: DAN,
        to: [BOB],
        subject: `Bulk ${i}`,
        body: "x",
        at: now - (i + 100) * 60_000,
      });
    const { client } = gmailFor(BOB);
    const first = await client.users.messages.list({ userId: "me", maxResults: 1000, q: "from:dan" });
    expect(first.data.messages).toHaveLength(500);
    expect(first.data.resultSizeEstimate).toBe(520);
    const second = await client.users.messages.list({
      userId: "me",
      maxResults: 1000,
      q: "from:dan",
      pageToken: first.data.nextPageToken!,
    });
    expect(second.data.messages).toHaveLength(20);
    expect(second.data.nextPageToken).toBeUndefined();
    const dflt = await client.users.messages.list({ userId: "me" });
    expect(dflt.data.messages).toHaveLength(100);
    const none = await client.users.messages.list({ userId: "me", q: "from:nobody@nowhere.example" });
    expect(none.data).toEqual({ resultSizeEstimate: 0 });
    expect((await googleError(client.users.messages.list({ userId: ALICE }))).status).toBe(403);
  });
});

describe("messages.get", () => {
  it("format=metadata returns the requested headers with internalDate, threadId, labelIds and snippet", async () => {
    const { client } = gmailFor(ALICE);
    const list = await client.users.messages.list({ userId: "me", q: "subject:renewal" });
    const [reply, original] = list.data.messages!;
    expect(reply!.threadId).toBe(original!.threadId); // one conversation
    const got = await client.users.messages.get({
      userId: "me",
      id: reply!.id!,
      format: "metadata",
      metadataHeaders: ["Subject", "From", "To", "Cc", "Date"],
    });
    expect(got.data.payload!.headers!.map((h) => h.name)).toEqual(["Date", "Subject", "From", "To", "Cc"]);
    expect(got.data.payload!.headers!.find((h) => h.name === "Cc")!.value).toBe(BOB);
    expect(got.data.labelIds).toEqual(["SENT"]);
    expect(got.data.snippet).toBe("Thanks Carol, Bob will follow up.");
    expect(Number(got.data.internalDate)).toBe(now - 0.5 * DAY);
    const full = await client.users.messages.get({ userId: "me", id: original!.id! });
    expect(Buffer.from(full.data.payload!.body!.data!, "base64url").toString()).toBe("Please see the quote.");
    expect(full.data.labelIds).toContain("INBOX");
  });

  it("refuses q and format=full with only the gmail.metadata scope (403)", async () => {
    const { client } = gmailFor(ALICE, [GMAIL_SCOPES.metadata]);
    const q = await googleError(client.users.messages.list({ userId: "me", q: "from:carol" }));
    expect(q.status).toBe(403);
    expect(q.body.error.message).toBe("Metadata scope does not support 'q' parameter");
    const list = await client.users.messages.list({ userId: "me" });
    const id = list.data.messages![0]!.id!;
    expect((await googleError(client.users.messages.get({ userId: "me", id }))).status).toBe(403);
    expect((await client.users.messages.get({ userId: "me", id, format: "metadata" })).status).toBe(200);
  });

  // googleapis/google-api-python-client#582 (Google's tracker entry 115621456, "will not fix"),
  // googleworkspace/cli#104, bytechefhq/bytechef#5394; users.messages/list reference: q "cannot be
  // used when accessing the api using the gmail.metadata scope".
  it("refuses q, even empty, whenever gmail.metadata is in the token, beside broader scopes too", async () => {
    const { client } = gmailFor(ALICE, [GMAIL_SCOPES.readonly, GMAIL_SCOPES.metadata]);
    for (const q of ["from:carol", ""]) {
      const refused = await googleError(client.users.messages.list({ userId: "me", q }));
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe("Metadata scope does not support 'q' parameter");
      expect(refused.body.error.errors[0]).toMatchObject({ reason: "forbidden", domain: "global" });
    }
    const list = await client.users.messages.list({ userId: "me" });
    const id = list.data.messages![0]!.id!;
    expect((await googleError(client.users.messages.get({ userId: "me", id, format: "full" }))).status).toBe(
      403,
    );
    expect((await client.users.messages.get({ userId: "me", id, format: "metadata" })).status).toBe(200);
    const readonlyOnly = gmailFor(ALICE, [GMAIL_SCOPES.readonly]).client;
    expect((await readonlyOnly.users.messages.list({ userId: "me", q: "from:carol" })).status).toBe(200);
  });
});

describe("quota units and batching", () => {
  it("charges list 5 and get 5 units per user per minute; over quota → 429 (or 403) userRateLimitExceeded", async () => {
    sim.control.advanceClock({ minutes: 1 });
    sim.control.gmail.configure({ unitsPerUserPerMinute: 20 });
    try {
      const { client } = gmailFor(ALICE);
      const list = await client.users.messages.list({ userId: "me" });
      await client.users.messages.get({ userId: "me", id: list.data.messages![0]!.id! });
      await client.users.messages.get({ userId: "me", id: list.data.messages![0]!.id! });
      await client.users.messages.get({ userId: "me", id: list.data.messages![0]!.id! }); // 20 units used
      const over = await googleError(client.users.messages.list({ userId: "me" }));
      expect(over.status).toBe(429);
      expect(over.body.error.errors[0]).toMatchObject({
        reason: "userRateLimitExceeded",
        domain: "usageLimits",
      });
      expect(over.body.error.message).toMatch(/^User-rate limit exceeded\.\s+Retry after /);
      sim.control.gmail.configure({ rateLimitStatus: 403 });
      expect((await googleError(client.users.messages.list({ userId: "me" }))).status).toBe(403);
      // Another user has their own budget.
      expect((await gmailFor(BOB).client.users.messages.list({ userId: "me" })).status).toBe(200);
    } finally {
      sim.control.gmail.configure({ unitsPerUserPerMinute: 6_000, rateLimitStatus: 429 });
    }
  });

  // gmail/api/reference/quota: 6,000 units per user per minute (the 5-unit costs are proven above; here a
  // get is made to cost 600 so that ten of them spend the default budget without 1,200 round trips).
  it("defaults to 6,000 units per user per minute", async () => {
    sim.control.advanceClock({ minutes: 1 });
    expect(sim.control.gmail.configure({}).unitsPerUserPerMinute).toBe(6_000);
    const { client } = gmailFor(BOB);
    const id = (await client.users.messages.list({ userId: "me", maxResults: 1 })).data.messages![0]!.id!;
    sim.control.advanceClock({ minutes: 1 });
    sim.control.gmail.configure({ units: { "gmail.users.messages.get": 600 } });
    try {
      for (let i = 0; i < 10; i++) await client.users.messages.get({ userId: "me", id, format: "minimal" });
      const over = await googleError(client.users.messages.get({ userId: "me", id, format: "minimal" }));
      expect(over.status).toBe(429);
      expect(over.body.error.errors[0].reason).toBe("userRateLimitExceeded");
    } finally {
      sim.control.gmail.configure({ units: { "gmail.users.messages.get": 5 } });
    }
    sim.control.advanceClock({ minutes: 1 });
    expect((await client.users.messages.get({ userId: "me", id, format: "minimal" })).status).toBe(200);
  });

  function multipart(boundary: string, paths: string[]): string {
    return `${paths
      .map(
        (p, i) =>
          `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item${i + 1}>\r\n\r\nGET ${p}\r\n\r\n`,
      )
      .join("")}--${boundary}--\r\n`;
  }

  it("runs a hand-built multipart/mixed batch: each inner call answered, counted and failing on its own; >100 calls refused", async () => {
    sim.control.advanceClock({ minutes: 1 });
    const { client, token } = gmailFor(ALICE);
    const ids = (await client.users.messages.list({ userId: "me", maxResults: 2 })).data.messages!.map(
      (m) => m.id!,
    );
    sim.control.clearRequestLog();
    const body = multipart("sb_batch", [
      `/gmail/v1/users/me/messages/${ids[0]}?format=metadata&metadataHeaders=Subject`,
      "/gmail/v1/users/me/messages/ffffffffffffffff?format=metadata",
      `/gmail/v1/users/me/messages/${ids[1]}?format=minimal`,
    ]);
    const res = await fetch(`${sim.url}/batch/gmail/v1`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "multipart/mixed; boundary=sb_batch" },
      body,
    });
    expect(res.status).toBe(200);
    const type = res.headers.get("content-type")!;
    const boundary = /boundary=(\S+)/.exec(type)![1]!;
    const text = await res.text();
    const parts = text.split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(3);
    expect(parts.map((p) => /HTTP\/1\.1 (\d+)/.exec(p)![1])).toEqual(["200", "404", "200"]);
    expect(parts.map((p) => /Content-ID: <([^>]+)>/.exec(p)![1])).toEqual([
      "response-item1",
      "response-item2",
      "response-item3",
    ]);
    expect(JSON.parse(parts[0]!.slice(parts[0]!.indexOf("{"))).id).toBe(ids[0]);
    expect(sim.control.requestCount({ method: "gmail.users.messages.get", user: ALICE })).toBe(3);
    expect(sim.control.requestCount({ method: "gmail.users.messages.get", status: 404 })).toBe(1);

    const tooMany = multipart(
      "big",
      Array.from({ length: 101 }, () => `/gmail/v1/users/me/messages/${ids[0]}`),
    );
    const refused = await fetch(`${sim.url}/batch/gmail/v1`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "multipart/mixed; boundary=big" },
      body: tooMany,
    });
    // GAM-team/got-your-back#256: Google's wording, with no errors[] in the envelope.
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: {
        code: 400,
        message: "Inner request count exceeds the limit. Received: 101, Limit: 100",
        status: "INVALID_ARGUMENT",
      },
    });
  });
});

describe("seeded mail history", () => {
  it("is deterministic and retroactive: the same threads with contacts and colleagues going back years", async () => {
    const seedA = await startTestSim();
    const seedB = await startTestSim();
    try {
      const at = Date.parse("2030-06-01T12:00:00Z");
      const a = seedA.control.gmail.seedMailHistory("acme.test", { now: at });
      const b = seedB.control.gmail.seedMailHistory("acme.test", { now: at });
      expect(a.delivered).toBeGreaterThan(20);
      expect(a.delivered).toBe(b.delivered);
      const strip = (list: Array<{ subject: string; internalDate: number; from: string }>) =>
        list.map((m) => [m.subject, m.internalDate, m.from]);
      expect(strip(seedA.control.gmail.messages(ALICE))).toEqual(strip(seedB.control.gmail.messages(ALICE)));
      const alice = seedA.control.gmail.messages(ALICE);
      expect(alice.some((m) => m.from.includes(CAROL) || m.to.some((t) => t.includes(CAROL)))).toBe(true);
      expect(alice.some((m) => m.from.includes(BOB) || m.to.some((t) => t.includes(BOB)))).toBe(true);
      expect(Math.min(...alice.map((m) => m.internalDate))).toBeLessThan(at - 365 * DAY);
      // Colleague threads land in both mailboxes.
      const bobView = seedA.control.gmail.messages(BOB).filter((m) => m.from.includes(ALICE));
      expect(bobView.length).toBeGreaterThan(0);
    } finally {
      await seedA.stop();
      await seedB.stop();
    }
  });
});
