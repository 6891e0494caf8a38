// users.update (PUT) and users.patch (PATCH) through the real admin client: patch semantics (fields not
// sent are kept), repeated fields replaced whole (update clears them with null or [], patch cannot),
// phone type validation, organizations, the If-Match precondition, etags and watch pushes only for
// real changes, the write scope, the "403-user" fault and the request log.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { admin_directory_v1 } from "@googleapis/admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import { ADMIN, bearer, directoryClient, googleError, type Json, startTestSim } from "../test-support";

let sim: RunningWorkspaceSim;
let dir: admin_directory_v1.Admin;
let receiver: Server;
let receiverUrl: string;
let received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  sim = await startTestSim();
  // No refresh token: google-auth-library would otherwise refresh and retry once on every 403, and
  // the request-log counts below would include that retry.
  dir = directoryClient(sim, bearer(sim, ADMIN, [SCOPES.adminUser], { offline: false }));
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end();
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
  sim.control.clearFaults();
});

const WORK = { value: "+1 415 555 0100", type: "work" };
const ADMINS_OWN = { value: "+1 415 555 0199", type: "mobile" };

let n = 0;
/** A fresh user with a work phone (Switchboard's) and a mobile one (added by the admin). */
function freshUser(): string {
  const email = `writer${++n}@acme.test`;
  sim.control.addUser({
    email,
    givenName: "Wanda",
    familyName: "Writer",
    orgUnitPath: "/Support",
    phones: [WORK, ADMINS_OWN],
  });
  // Past the creation window (412 "User creation is not complete"; directory-users.test.ts).
  sim.control.advanceClock({ seconds: 41 });
  return email;
}

const get = async (userKey: string) => (await dir.users.get({ userKey })).data;

describe("users.update (PUT)", () => {
  it("keeps every field the body does not send", async () => {
    const email = freshUser();
    const before = await get(email);
    const { data } = await dir.users.update({
      userKey: email,
      requestBody: { name: { givenName: "Wilma" } },
    });
    expect(data.name).toEqual({ givenName: "Wilma", familyName: "Writer", fullName: "Wilma Writer" });
    expect(data.phones).toEqual([WORK, ADMINS_OWN]);
    expect(data.orgUnitPath).toBe("/Support");
    expect(data.suspended).toBe(false);
    expect(data.etag).not.toBe(before.etag);
    const after = await get(email);
    expect(after).toEqual(data);
  });

  it("replaces the whole phones array: entries not re-sent are gone", async () => {
    const email = freshUser();
    const mine = { value: "+1 415 555 0123", type: "work", primary: true };
    const replaced = await dir.users.update({ userKey: email, requestBody: { phones: [mine] } });
    expect(replaced.data.phones).toEqual([mine]);
    expect((await get(email)).phones).toEqual([mine]);
    const both = await dir.users.update({ userKey: email, requestBody: { phones: [mine, ADMINS_OWN] } });
    expect(both.data.phones).toEqual([mine, ADMINS_OWN]);
  });

  it("clears phones with null and with []", async () => {
    const a = freshUser();
    const cleared = await dir.users.update({ userKey: a, requestBody: { phones: null } });
    expect(cleared.data.phones).toBeUndefined();
    expect((await get(a)).phones).toBeUndefined();
    expect((await get(a)).name?.givenName).toBe("Wanda");
    const b = freshUser();
    await dir.users.update({ userKey: b, requestBody: { phones: [] } });
    expect((await get(b)).phones).toBeUndefined();
  });

  it("takes a partial name, and refuses an empty given or family name", async () => {
    const email = freshUser();
    const { data } = await dir.users.update({
      userKey: email,
      requestBody: { name: { familyName: "Wright" } },
    });
    expect(data.name).toEqual({ givenName: "Wanda", familyName: "Wright", fullName: "Wanda Wright" });
    const given = await googleError(
      dir.users.update({ userKey: email, requestBody: { name: { givenName: "" } } }),
    );
    expect(given.status).toBe(400);
    expect(given.body.error.message).toBe("Invalid Given/Family Name: GivenName");
    const family = await googleError(
      dir.users.patch({ userKey: email, requestBody: { name: { familyName: "" } } }),
    );
    expect(family.body.error.message).toBe("Invalid Given/Family Name: FamilyName");
    expect((await get(email)).name?.familyName).toBe("Wright");
  });
});

describe("users.patch (PATCH)", () => {
  it("cannot clear phones: [] and null leave them (and the etag) as they were", async () => {
    const email = freshUser();
    const before = await get(email);
    const empty = await dir.users.patch({ userKey: email, requestBody: { phones: [] } });
    expect(empty.data.phones).toEqual([WORK, ADMINS_OWN]);
    const nulled = await dir.users.patch({ userKey: email, requestBody: { phones: null } });
    expect(nulled.data.phones).toEqual([WORK, ADMINS_OWN]);
    expect(nulled.data.etag).toBe(before.etag);
  });

  it("replaces phones with a non-empty array and keeps the other fields", async () => {
    const email = freshUser();
    const { data } = await dir.users.patch({ userKey: email, requestBody: { phones: [ADMINS_OWN] } });
    expect(data.phones).toEqual([ADMINS_OWN]);
    expect(data.name?.fullName).toBe("Wanda Writer");
    expect(data.orgUnitPath).toBe("/Support");
  });
});

describe("phone validation", () => {
  it("type custom needs a customType (400 naming the field); with one it round-trips", async () => {
    const email = freshUser();
    const err = await googleError(
      dir.users.update({
        userKey: email,
        requestBody: { phones: [WORK, { value: "555 0142", type: "custom" }] },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.body.error).toMatchObject({
      code: 400,
      message: "Invalid Input: phones[1].customType",
    });
    expect(err.body.error.errors[0].reason).toBe("invalid");
    expect((await get(email)).phones).toEqual([WORK, ADMINS_OWN]);
    const desk = { value: "555 0142", type: "custom", customType: "Desk" };
    const { data } = await dir.users.update({
      userKey: email,
      requestBody: { phones: [{ ...desk, extension: "ignored" }] },
    });
    expect(data.phones).toEqual([desk]);
    expect((await get(email)).phones).toEqual([desk]);
  });

  it("refuses a type Google does not know and a phone without a value", async () => {
    const email = freshUser();
    const badType = await googleError(
      dir.users.update({ userKey: email, requestBody: { phones: [{ value: "555 0100", type: "fax" }] } }),
    );
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toBe("Invalid value for: fax is not a valid value");
    expect(badType.body.error.errors[0].reason).toBe("invalid");
    const noValue = await googleError(
      dir.users.patch({ userKey: email, requestBody: { phones: [WORK, { value: " ", type: "home" }] } }),
    );
    expect(noValue.status).toBe(400);
    expect(noValue.body.error.message).toBe("Invalid Input: phones[1].value");
    expect((await get(email)).phones).toEqual([WORK, ADMINS_OWN]);
  });

  it("users.insert validates phones the same way and takes organizations", async () => {
    const bad = await googleError(
      dir.users.insert({
        requestBody: {
          primaryEmail: "badphone@acme.test",
          name: { givenName: "Bad", familyName: "Phone" },
          password: "correct horse battery",
          phones: [{ value: "1", type: "cell" }],
        },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("Invalid value for: cell is not a valid value");
    expect((await googleError(dir.users.get({ userKey: "badphone@acme.test" }))).status).toBe(404);
    const { data } = await dir.users.insert({
      requestBody: {
        primaryEmail: "orgy@acme.test",
        name: { givenName: "Olga", familyName: "Org" },
        password: "correct horse battery",
        organizations: [{ department: "Finance", title: "Controller", primary: true }],
      },
    });
    expect(data.organizations).toEqual([{ department: "Finance", title: "Controller", primary: true }]);
  });
});

describe("organizations", () => {
  it("department round-trips; admin view only; replaced whole; patch cannot clear, update can", async () => {
    const email = freshUser();
    const org = { department: "Field Sales", title: "Account Executive", primary: true, type: "work" };
    const { data } = await dir.users.update({
      userKey: email,
      requestBody: { organizations: [{ ...org, costCenter: "CC-1" }] },
    });
    expect(data.organizations).toEqual([org]);
    expect(data.phones).toEqual([WORK, ADMINS_OWN]);
    expect((await get(email)).organizations).toEqual([org]);
    const listed = await dir.users.list({ customer: "my_customer", query: `email:${email}` });
    expect(listed.data.users?.[0]?.organizations).toEqual([org]);
    const publicView = await dir.users.get({ userKey: email, viewType: "domain_public" });
    expect(publicView.data.organizations).toBeUndefined();

    const patched = await dir.users.patch({ userKey: email, requestBody: { organizations: [] } });
    expect(patched.data.organizations).toEqual([org]);
    const custom = await googleError(
      dir.users.patch({
        userKey: email,
        requestBody: { organizations: [{ department: "X", type: "custom" }] },
      }),
    );
    expect(custom.body.error.message).toBe("Invalid Input: organizations[0].customType");
    const cleared = await dir.users.update({ userKey: email, requestBody: { organizations: null } });
    expect(cleared.data.organizations).toBeUndefined();
    expect((await get(email)).organizations).toBeUndefined();
  });
});

describe("If-Match (admin-sdk directory reference users.update / users.patch document no precondition)", () => {
  it("is ignored by default: a write with a stale etag lands and the last write wins", async () => {
    const email = freshUser();
    const old = await get(email);
    await dir.users.update({ userKey: email, requestBody: { name: { givenName: "Moved" } } });
    const { data } = await dir.users.update(
      { userKey: email, requestBody: { name: { givenName: "Clobber" } } },
      { headers: { "If-Match": old.etag! } },
    );
    expect(data.name?.givenName).toBe("Clobber");
    expect((await get(email)).name?.givenName).toBe("Clobber");
  });

  describe('with ifMatch: "enforced" (a test isolating the precondition path)', () => {
    beforeAll(() => sim.control.configure({ directory: { ifMatch: "enforced" } }));
    afterAll(() => sim.control.configure({ directory: { ifMatch: "ignored" } }));
    it("a stale etag answers 412 conditionNotMet and changes nothing", async () => {
      const email = freshUser();
      const old = await get(email);
      await dir.users.update({ userKey: email, requestBody: { name: { givenName: "Moved" } } });
      const current = await get(email);
      const err = await googleError(
        dir.users.update(
          { userKey: email, requestBody: { name: { givenName: "Clobber" }, phones: null } },
          { headers: { "If-Match": old.etag! } },
        ),
      );
      expect(err.status).toBe(412);
      expect(err.body.error).toMatchObject({
        code: 412,
        message: "Precondition Failed",
        errors: [{ message: "Precondition Failed", domain: "global", reason: "conditionNotMet" }],
      });
      expect(await get(email)).toEqual(current);
    });

    it("the current etag (quoted or bare) lets the write through with a new etag", async () => {
      const email = freshUser();
      const current = await get(email);
      expect(current.etag).toMatch(/^".+"$/);
      const { data } = await dir.users.patch(
        { userKey: email, requestBody: { name: { givenName: "Matched" } } },
        { headers: { "If-Match": current.etag! } },
      );
      expect(data.name?.givenName).toBe("Matched");
      expect(data.etag).not.toBe(current.etag);
      const bare = data.etag!.slice(1, -1);
      const again = await dir.users.update(
        { userKey: email, requestBody: { name: { givenName: "Bare" } } },
        { headers: { "If-Match": bare } },
      );
      expect(again.data.name?.givenName).toBe("Bare");
      expect(again.data.etag).not.toBe(data.etag);
    });
  });
});

describe("etags and watch pushes", () => {
  it("a write that changes nothing keeps the etag and sends no push; a real change sends one update", async () => {
    const email = freshUser();
    const channelId = `writes-${Date.now()}`;
    const channel = await dir.users.watch({
      customer: "my_customer",
      requestBody: { id: channelId, type: "web_hook", address: receiverUrl, token: "t" },
    });
    await sim.control.drainPushes();
    received = [];
    const before = await get(email);
    const same = await dir.users.update({
      userKey: email,
      requestBody: {
        name: { givenName: "Wanda", familyName: "Writer" },
        phones: [WORK, ADMINS_OWN],
        orgUnitPath: "/Support",
        suspended: false,
      },
    });
    expect(same.data.etag).toBe(before.etag);
    await sim.control.drainPushes();
    expect(received).toEqual([]);

    const changed = await dir.users.update({
      userKey: email,
      requestBody: { phones: [{ value: "+1 415 555 0177", type: "work" }] },
    });
    expect(changed.data.etag).not.toBe(before.etag);
    await sim.control.drainPushes();
    const mine = received.filter((r) => r.headers["x-goog-channel-id"] === channelId);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.headers["x-goog-resource-state"]).toBe("update");
    const pushed = JSON.parse(mine[0]!.body) as Json;
    // The slim body (directory-watch.test.ts): the new etag tells the receiver which version to fetch.
    expect(pushed).toMatchObject({ primaryEmail: email, etag: changed.data.etag });
    expect(pushed.phones).toBeUndefined();
    await dir.channels.stop({ requestBody: { id: channelId, resourceId: channel.data.resourceId! } });
  });
});

describe("access, faults and the request log", () => {
  it("a token with only admin.directory.user.readonly gets 403 insufficient scopes", async () => {
    const email = freshUser();
    const readonly = directoryClient(sim, bearer(sim, ADMIN, [SCOPES.adminUserReadonly], { offline: false }));
    expect((await readonly.users.get({ userKey: email })).data.primaryEmail).toBe(email);
    for (const call of [
      readonly.users.update({ userKey: email, requestBody: { name: { givenName: "Nope" } } }),
      readonly.users.patch({ userKey: email, requestBody: { name: { givenName: "Nope" } } }),
    ]) {
      const err = await googleError(call);
      expect(err.status).toBe(403);
      expect(err.body.error.message).toBe("Request had insufficient authentication scopes.");
      expect(err.body.error.errors[0].reason).toBe("insufficientPermissions");
      expect(err.body.error.details[0].reason).toBe("ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    }
    expect((await get(email)).name?.givenName).toBe("Wanda");
  });

  it("the 403-user fault answers exactly as the real per-user quota, and the log counts it", async () => {
    const email = freshUser();
    sim.control.clearRequestLog();
    sim.control.injectFault({ method: "directory.users.update", user: ADMIN, fail: "403-user", times: 1 });
    const injected = await googleError(
      dir.users.update({ userKey: email, requestBody: { name: { givenName: "Quota" } } }),
    );
    expect(injected.status).toBe(403);
    expect(injected.body.error).toMatchObject({
      code: 403,
      errors: [{ reason: "userRateLimitExceeded", domain: "usageLimits" }],
    });
    expect((await get(email)).name?.givenName).toBe("Wanda");

    // The real quota, for comparison: the bodies are identical.
    sim.control.configure({ directory: { queriesPerMinute: 1 } });
    try {
      sim.control.advanceClock({ minutes: 1 });
      await get(email);
      const real = await googleError(
        dir.users.update({ userKey: email, requestBody: { name: { givenName: "Q" } } }),
      );
      expect(injected.body).toEqual(real.body);
    } finally {
      sim.control.configure({ directory: { queriesPerMinute: null } });
    }

    // Over HTTP too; unknown kinds are refused.
    const post = (body: unknown) =>
      fetch(`${sim.url}/_sim/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const rule = await post({ method: "directory.users.patch", fail: "403-user", times: 1 });
    expect(rule.status).toBe(200);
    expect(((await rule.json()) as Json).id).toBeGreaterThan(0);
    expect((await post({ fail: "403-team" })).status).toBe(400);
    const viaHttp = await googleError(
      dir.users.patch({ userKey: email, requestBody: { name: { givenName: "Q" } } }),
    );
    expect(viaHttp.body.error.errors[0]).toMatchObject({
      reason: "userRateLimitExceeded",
      domain: "usageLimits",
    });

    expect(sim.control.requestCount({ method: "directory.users.update", status: 403 })).toBe(2);
    expect(sim.control.requestCount({ method: "directory.users.patch", status: 403 })).toBe(1);
  });

  it("logs update and patch calls with their method ids, user and status", async () => {
    const email = freshUser();
    sim.control.clearRequestLog();
    await dir.users.update({ userKey: email, requestBody: { name: { givenName: "Logged" } } });
    await dir.users.patch({ userKey: email, requestBody: { name: { familyName: "Patched" } } });
    await googleError(
      dir.users.patch({ userKey: email, requestBody: { phones: [{ value: "1", type: "nope" }] } }),
    );
    const writes = sim.control
      .requests({ api: "directory" })
      .filter((r) => r.method !== "directory.users.get")
      .map((r) => [r.method, r.user, r.status]);
    expect(writes).toEqual([
      ["directory.users.update", ADMIN, 200],
      ["directory.users.patch", ADMIN, 200],
      ["directory.users.patch", ADMIN, 400],
    ]);
  });
});
