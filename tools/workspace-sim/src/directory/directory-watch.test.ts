// users.watch push notifications as Google sends them: sync #1 first, X-Goog-* headers, the channel
// token echoed, a slim body naming the user, increasing (non-consecutive) message numbers, retries on 503,
// dropped notifications on request, and channels.stop.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { admin_directory_v1 } from "@googleapis/admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import { ADMIN, ALICE, BOB, bearer, directoryClient, googleError, startTestSim } from "../test-support";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let sim: RunningWorkspaceSim;
let dir: admin_directory_v1.Admin;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
let answerWith: number[] = [];

beforeAll(async () => {
  sim = await startTestSim();
  dir = directoryClient(sim, bearer(sim, ADMIN, [SCOPES.adminUserReadonly]));
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answerWith.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/directory`;
});
afterAll(async () => {
  await sim.stop();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  received = [];
  answerWith = [];
});

let n = 0;
async function watch(params: Partial<admin_directory_v1.Params$Resource$Users$Watch> = {}) {
  const id = `chan-${++n}`;
  const { data } = await dir.users.watch({
    customer: "my_customer",
    ...params,
    requestBody: { id, type: "web_hook", address: receiverUrl, token: `secret-${n}` },
  });
  await sim.control.drainPushes();
  return data;
}

const stateOf = (r: Received) => r.headers["x-goog-resource-state"];

describe("users.watch", () => {
  it("sends sync #1 first, then events with Google's headers and a slim body {kind, id, etag, primaryEmail} (admin-sdk directory guides/push)", async () => {
    const channel = await watch();
    expect(channel).toMatchObject({ kind: "api#channel", id: `chan-${n}`, token: `secret-${n}` });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers).toMatchObject({
      "x-goog-channel-id": channel.id,
      "x-goog-channel-token": channel.token,
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-resource-state": "sync",
      "x-goog-message-number": "1",
    });
    sim.control.renameUser(ALICE, { givenName: "Alicia" });
    await sim.control.drainPushes();
    expect(received).toHaveLength(2);
    const update = received[1]!;
    expect(stateOf(update)).toBe("update");
    expect(Number(update.headers["x-goog-message-number"])).toBeGreaterThan(1);
    const alice = sim.control.userResource(ALICE);
    // Not the user: a receiver must fetch it (users.get) to learn what changed.
    expect(JSON.parse(update.body)).toEqual({
      kind: "admin#directory#user",
      id: alice.id,
      etag: alice.etag,
      primaryEmail: ALICE,
    });
    await dir.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } });
  });

  it("reports add, delete, undelete and makeAdmin, filtered by the event parameter", async () => {
    const all = await watch();
    const onlyDeletes = await watch({ event: "delete" });
    received = [];
    sim.control.addUser({ email: "zed@acme.test", givenName: "Zed", familyName: "Zulu" });
    sim.control.deleteUser("zed@acme.test");
    sim.control.undeleteUser("zed@acme.test");
    sim.control.makeAdmin("zed@acme.test");
    await sim.control.drainPushes();
    const forAll = received.filter((r) => r.headers["x-goog-channel-id"] === all.id).map(stateOf);
    expect([...forAll].sort()).toEqual(["add", "delete", "makeAdmin", "undelete"]);
    const forDeletes = received.filter((r) => r.headers["x-goog-channel-id"] === onlyDeletes.id).map(stateOf);
    expect(forDeletes).toEqual(["delete"]);
    for (const c of [all, onlyDeletes])
      await dir.channels.stop({ requestBody: { id: c.id!, resourceId: c.resourceId! } });
  });

  it("delivers notifications that are due together out of order, with increasing message numbers", async () => {
    sim.control.configure({ directory: { pushBatchWindowMs: 30 } });
    const channel = await watch();
    received = [];
    for (let i = 0; i < 12; i++) sim.control.renameUser(BOB, { familyName: `Baker${i}` });
    await sim.control.drainPushes();
    const numbers = received.map((r) => Number(r.headers["x-goog-message-number"]));
    expect(numbers).toHaveLength(12);
    expect([...numbers].sort((a, b) => a - b)).not.toEqual(numbers);
    expect(new Set(numbers).size).toBe(12);
    sim.control.configure({ directory: { pushBatchWindowMs: 5 } });
    await dir.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } });
  });

  it("retries a notification answered with 503, and drops one when a fault asks for it", async () => {
    const channel = await watch();
    received = [];
    answerWith = [503];
    sim.control.renameUser(ALICE, { givenName: "Retry" });
    await sim.control.drainPushes();
    expect(received.map(stateOf)).toEqual(["update", "update"]);
    received = [];
    sim.control.injectFault({ api: "directory", dropPush: true, times: 1 });
    sim.control.renameUser(ALICE, { givenName: "Dropped" });
    sim.control.renameUser(ALICE, { givenName: "Delivered" });
    await sim.control.drainPushes();
    expect(received.map((r) => JSON.parse(r.body).etag)).toEqual([sim.control.userResource(ALICE).etag]);
    await dir.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } });
  });

  it("sends nothing after channels.stop, and refuses to stop an unknown channel", async () => {
    const channel = await watch();
    await dir.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } });
    received = [];
    sim.control.renameUser(ALICE, { givenName: "Silent" });
    await sim.control.drainPushes();
    expect(received).toEqual([]);
    const err = await googleError(
      dir.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } }),
    );
    expect(err.status).toBe(404);
  });

  it("can send a spoofed notification with a wrong token, for testing a webhook's defences", async () => {
    const channel = await watch();
    received = [];
    sim.control.spoofPush(channel.id!);
    await sim.control.drainPushes();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers["x-goog-channel-id"]).toBe(channel.id);
    expect(received[0]!.headers["x-goog-channel-token"]).not.toBe(channel.token);
    await dir.channels.stop({ requestBody: { id: channel.id!, resourceId: channel.resourceId! } });
  });

  it("stops notifying once the channel expires by the sim clock", async () => {
    const channel = await watch();
    expect(Number(channel.expiration)).toBeLessThanOrEqual(sim.control.now().getTime() + 6 * 3600_000);
    sim.control.advanceClock({ hours: 7 });
    received = [];
    sim.control.renameUser(ALICE, { givenName: "Late" });
    await sim.control.drainPushes();
    expect(received).toEqual([]);
  });
});
