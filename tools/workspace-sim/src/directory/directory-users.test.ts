// Directory API reads through the real admin client: users.list parameters and paging, query clauses,
// showDeleted, users.get, org units, groups and derived membership, admin-only access and the
// per-user query quota (403 userRateLimitExceeded).
import type { admin_directory_v1 } from "@googleapis/admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import {
  ADMIN,
  ALICE,
  acmeSeed,
  BOB,
  bearer,
  directoryClient,
  googleError,
  startTestSim,
} from "../test-support";

let sim: RunningWorkspaceSim;
let dir: admin_directory_v1.Admin;
const ALL_SCOPES = [SCOPES.adminUser, SCOPES.adminOrgunitReadonly, SCOPES.adminGroupReadonly];

beforeAll(async () => {
  sim = await startTestSim({}, acmeSeed({ generatedUsers: 1203 }));
  dir = directoryClient(sim, bearer(sim, ADMIN, ALL_SCOPES));
});
afterAll(() => sim.stop());

const emails = (res: { data: admin_directory_v1.Schema$Users }) =>
  res.data.users?.map((u) => u.primaryEmail ?? "") ?? [];

describe("users.list", () => {
  it("requires customer or domain", async () => {
    const err = await googleError(dir.users.list({}));
    expect(err.status).toBe(400);
    expect(err.body.error.code).toBe(400);
  });

  it("refuses maxResults above 500", async () => {
    const err = await googleError(dir.users.list({ customer: "my_customer", maxResults: 501 }));
    expect(err.status).toBe(400);
    expect(err.body.error.errors[0].reason).toBe("invalid");
  });

  it("pages through every live user exactly once, sorted by email", async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await dir.users.list({
        domain: "acme.test",
        maxResults: 500,
        ...(pageToken ? { pageToken } : {}),
      });
      seen.push(...emails(res));
      pageToken = res.data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(1206);
    expect(new Set(seen).size).toBe(1206);
    expect([...seen].sort()).toEqual(seen);
  });

  it("filters by orgUnitPath (including sub-units), isSuspended and email prefix", async () => {
    expect(emails(await dir.users.list({ customer: "my_customer", query: "orgUnitPath='/Sales'" }))).toEqual([
      ALICE,
    ]);
    const suspended = await dir.users.list({
      customer: "my_customer",
      query: "isSuspended=true",
      maxResults: 500,
    });
    expect(suspended.data.users?.every((u) => u.suspended)).toBe(true);
    expect(suspended.data.users?.length).toBe(13);
    expect(emails(await dir.users.list({ customer: "my_customer", query: "email:bo*" }))).toEqual([BOB]);
  });

  it("orders by familyName and shows deleted users only with showDeleted", async () => {
    const byFamily = await dir.users.list({
      customer: "my_customer",
      query: "orgUnitPath=/",
      orderBy: "familyName",
      maxResults: 500,
    });
    const families = byFamily.data.users!.map((u) => u.name!.familyName!.toLowerCase());
    expect([...families].sort()).toEqual(families);
    sim.control.deleteUser(BOB);
    try {
      expect(emails(await dir.users.list({ customer: "my_customer", query: "email:bob" }))).toEqual([]);
      const deleted = await dir.users.list({ customer: "my_customer", showDeleted: "true" });
      expect(emails(deleted)).toEqual([BOB]);
      expect(deleted.data.users?.[0]?.deletionTime).toBeTruthy();
      const err = await googleError(dir.users.get({ userKey: BOB }));
      expect(err.status).toBe(404);
    } finally {
      sim.control.undeleteUser(BOB);
    }
  });

  it("users.get finds a user by email or id with Google's fields", async () => {
    const { data } = await dir.users.get({ userKey: ALICE });
    expect(data).toMatchObject({
      kind: "admin#directory#user",
      primaryEmail: ALICE,
      name: { givenName: "Alice", familyName: "Archer", fullName: "Alice Archer" },
      orgUnitPath: "/Sales/West",
      suspended: false,
      archived: false,
      isAdmin: false,
      phones: [{ value: "(415) 555-0100", type: "work" }],
    });
    expect((await dir.users.get({ userKey: data.id! })).data.primaryEmail).toBe(ALICE);
  });
});

describe("org units, groups, members", () => {
  it("orgunits.list returns all units below the root with type=all", async () => {
    const { data } = await dir.orgunits.list({ customerId: "my_customer", type: "all" });
    const paths = data.organizationUnits?.map((o) => o.orgUnitPath).sort();
    expect(paths).toEqual(expect.arrayContaining(["/Sales", "/Sales/West", "/Support"]));
    const children = await dir.orgunits.list({ customerId: "my_customer" });
    expect(children.data.organizationUnits?.map((o) => o.orgUnitPath)).not.toContain("/Sales/West");
  });

  it("members.list expands nested groups with includeDerivedMembership and caps maxResults at 200", async () => {
    const direct = await dir.members.list({ groupKey: "sales@acme.test" });
    expect(direct.data.members?.map((m) => [m.email, m.type])).toEqual([
      [ALICE, "USER"],
      ["support@acme.test", "GROUP"],
    ]);
    const derived = await dir.members.list({ groupKey: "sales@acme.test", includeDerivedMembership: true });
    expect(derived.data.members?.map((m) => m.email).sort()).toEqual([ALICE, BOB]);
    expect(
      (await googleError(dir.members.list({ groupKey: "sales@acme.test", maxResults: 201 }))).status,
    ).toBe(400);
    const groups = await dir.groups.list({ customer: "my_customer" });
    expect(groups.data.groups?.map((g) => g.email)).toEqual(["sales@acme.test", "support@acme.test"]);
  });
});

describe("access and quota", () => {
  it("a non-admin is refused with 403 Not Authorized", async () => {
    const asAlice = directoryClient(sim, bearer(sim, ALICE, [SCOPES.adminUserReadonly]));
    const err = await googleError(asAlice.users.list({ customer: "my_customer" }));
    expect(err.status).toBe(403);
    expect(err.body.error.message).toBe("Not Authorized to access this resource/api");
  });

  it("answers 403 userRateLimitExceeded past the per-user queries per minute", async () => {
    sim.control.configure({ directory: { queriesPerMinute: 2 } });
    try {
      sim.control.advanceClock({ minutes: 1 });
      await dir.users.get({ userKey: ALICE });
      await dir.users.get({ userKey: ALICE });
      const err = await googleError(dir.users.get({ userKey: ALICE }));
      expect(err.status).toBe(403);
      expect(err.body.error.errors[0]).toMatchObject({
        reason: "userRateLimitExceeded",
        domain: "usageLimits",
      });
    } finally {
      sim.control.configure({ directory: { queriesPerMinute: null } });
    }
  });

  it("a new user is 404 by id and 412 'User creation is not complete' to writes for ~40 s (users.insert reference; SCIM/Apps Script reports)", async () => {
    const created = await dir.users.insert({
      requestBody: {
        primaryEmail: "newbie@acme.test",
        name: { givenName: "New", familyName: "Bie" },
        password: "correct horse battery",
      },
    });
    const id = created.data.id!;
    expect(id).toBeTruthy();
    expect((await googleError(dir.users.get({ userKey: id }))).status).toBe(404);
    expect((await dir.users.get({ userKey: "newbie@acme.test" })).data.id).toBe(id);
    const err = await googleError(
      dir.users.patch({ userKey: "newbie@acme.test", requestBody: { orgUnitPath: "/Support" } }),
    );
    expect(err.status).toBe(412);
    expect(err.body.error.message).toBe("User creation is not complete.");
    sim.control.advanceClock({ seconds: 30 });
    expect((await googleError(dir.users.get({ userKey: id }))).status).toBe(404);
    sim.control.advanceClock({ seconds: 11 });
    expect((await dir.users.get({ userKey: id })).data.primaryEmail).toBe("newbie@acme.test");
    const moved = await dir.users.patch({
      userKey: "newbie@acme.test",
      requestBody: { orgUnitPath: "/Support" },
    });
    expect(moved.data.orgUnitPath).toBe("/Support");
  });

  it("answers 409 to writes for about a minute after a primaryEmail change (reported; Google's form unconfirmed)", async () => {
    const admin = dir;
    sim.control.addUser({ email: "renamer@acme.test", givenName: "Re", familyName: "Namer" });
    sim.control.advanceClock({ seconds: 41 });
    await admin.users.update({
      userKey: "renamer@acme.test",
      requestBody: { primaryEmail: "renamed@acme.test" },
    });
    const err = await googleError(
      admin.users.update({ userKey: "renamed@acme.test", requestBody: { name: { givenName: "Again" } } }),
    );
    expect(err.status).toBe(409);
    sim.control.advanceClock({ seconds: 61 });
    const { data } = await admin.users.update({
      userKey: "renamed@acme.test",
      requestBody: { name: { givenName: "Again" } },
    });
    expect(data.name?.givenName).toBe("Again");
  });
});
