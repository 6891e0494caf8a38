import { drive, type drive_v3 } from "@googleapis/drive";
import type { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, BOB, bearer, googleError, startTestSim } from "../test-support";
import { parseQuery, QueryError } from "./query";
import { DRIVE_SCOPES } from "./routes";

let sim: RunningWorkspaceSim;
const CAROL = "carol@customer.example";
const ids: Record<string, string> = {};

function driveFor(user: string, scopes: string[] = [DRIVE_SCOPES.readonly]): drive_v3.Drive {
  return drive({
    version: "v3",
    rootUrl: `${sim.url}/`,
    auth: bearer(sim, user, scopes) as OAuth2Client,
    retry: false,
  });
}

beforeAll(async () => {
  sim = await startTestSim();
  const d = sim.control.drive;
  const day = (n: number) => `2030-01-${String(n).padStart(2, "0")}T10:00:00Z`;
  const mk = (key: string, f: Parameters<typeof d.createFile>[0]) => {
    ids[key] = String(d.createFile(f).id);
  };
  mk("plan", {
    name: "Q3 plan",
    kind: "doc",
    owner: ALICE,
    modifiedTime: day(5),
    shares: [{ email: BOB, role: "writer" }],
  });
  mk("budget", {
    name: "Budget 2030",
    kind: "sheet",
    owner: ALICE,
    modifiedTime: day(3),
    shares: [{ email: BOB, role: "reader" }],
  });
  mk("private", { name: "Alice's notes", kind: "doc", owner: ALICE, modifiedTime: day(9) });
  mk("fromBob", {
    name: "Support rota",
    kind: "sheet",
    owner: BOB,
    modifiedTime: day(7),
    shares: [{ email: ALICE, role: "commenter" }],
  });
  mk("group", {
    name: "Sales deck",
    kind: "slides",
    owner: BOB,
    modifiedTime: day(2),
    shares: [{ type: "group", email: "sales@acme.test", role: "reader" }],
  });
  mk("domainFind", {
    name: "Handbook",
    kind: "pdf",
    owner: BOB,
    modifiedTime: day(1),
    shares: [{ domain: "acme.test", role: "reader", allowFileDiscovery: true }],
  });
  mk("domainLink", {
    name: "Link only",
    kind: "doc",
    owner: BOB,
    modifiedTime: day(1),
    shares: [{ domain: "acme.test", role: "reader", allowFileDiscovery: false }],
  });
  mk("external", {
    name: "Contract draft",
    kind: "doc",
    owner: ALICE,
    modifiedTime: day(8),
    shares: [{ email: CAROL, role: "commenter" }],
  });
  mk("trashed", {
    name: "Old plan",
    kind: "doc",
    owner: ALICE,
    modifiedTime: day(4),
    trashed: true,
    shares: [{ email: BOB, role: "reader" }],
  });
  mk("quote", { name: "Bob's \"quote\" it's \\ done", kind: "doc", owner: BOB, modifiedTime: day(6) });
  const team = d.createSharedDrive("Team", [{ type: "user", value: ALICE, role: "organizer" }]);
  ids.teamDrive = team.id;
  mk("inDrive", {
    name: "Team charter",
    kind: "doc",
    driveId: team.id,
    lastModifyingUser: ALICE,
    modifiedTime: day(10),
  });
});
afterAll(() => sim.stop());

const names = async (res: Promise<{ data: drive_v3.Schema$FileList }>) =>
  (await res).data.files!.map((f) => f.name);

describe("files.list q against the caller's ACL view", () => {
  // docs/google-behaviour.md#drive-search
  it("finds files shared between me and B (both directions), as Drive's search-terms guide allows", async () => {
    const alice = driveFor(ALICE);
    const mineSharedWithBob = await names(
      alice.files.list({
        q: `'me' in owners and ('${BOB}' in writers or '${BOB}' in readers) and trashed = false`,
        orderBy: "modifiedTime desc",
      }),
    );
    expect(mineSharedWithBob).toEqual(["Q3 plan", "Budget 2030"]);
    const bobsSharedWithMe = await names(
      alice.files.list({ q: `sharedWithMe and '${BOB}' in owners`, orderBy: "name" }),
    );
    // Direct and group shares count; the domain-wide handbook does not.
    expect(bobsSharedWithMe).toEqual(["Sales deck", "Support rota"]);
  });

  it("shows only what the caller may see: owner, user and group permissions; discoverable domain files only in corpora=domain", async () => {
    const bob = driveFor(BOB);
    const all = await names(bob.files.list({ orderBy: "name", pageSize: 100 }));
    expect(all).not.toContain("Alice's notes");
    expect(all).not.toContain("Contract draft");
    expect(all).toContain("Q3 plan");
    const aliceDomain = await names(driveFor(ALICE).files.list({ corpora: "domain", orderBy: "name" }));
    expect(aliceDomain).toContain("Handbook");
    expect(aliceDomain).not.toContain("Link only"); // anyone-in-domain-with-link is not searchable
    expect(await names(driveFor(ALICE).files.list({ orderBy: "name" }))).not.toContain("Handbook");
    // But a link-only file can be opened by id.
    const opened = await driveFor(ALICE).files.get({ fileId: ids.domainLink! });
    expect(opened.data.name).toBe("Link only");
    const hidden = await googleError(driveFor(ALICE).files.get({ fileId: ids.quote! }));
    expect(hidden.status).toBe(404);
  });

  it("parses not/and/or, parentheses, mimeType, name contains (word prefix) and escaped quotes", async () => {
    const bob = driveFor(BOB);
    expect(await names(bob.files.list({ q: `name = 'Bob\\'s "quote" it\\'s \\\\ done'` }))).toEqual([
      `Bob's "quote" it's \\ done`,
    ]);
    expect(
      await names(
        bob.files.list({
          q: "mimeType = 'application/vnd.google-apps.spreadsheet' and not name contains 'rota'",
        }),
      ),
    ).toEqual(["Budget 2030"]);
    expect(await names(bob.files.list({ q: "name contains 'pla'", orderBy: "name" }))).toEqual([
      "Old plan",
      "Q3 plan",
    ]);
    expect(await names(bob.files.list({ q: "name contains 'lan'" }))).toEqual([]); // prefix matching only
    expect(await names(bob.files.list({ q: "trashed = true" }))).toEqual(["Old plan"]);
    expect(
      await names(
        bob.files.list({
          q: "(name contains 'Q3' or name contains 'Budget') and modifiedTime > '2030-01-04T00:00:00'",
          orderBy: "modifiedTime desc",
        }),
      ),
    ).toEqual(["Q3 plan"]);
  });

  it("answers 400 Invalid Value for malformed queries", async () => {
    const bob = driveFor(BOB);
    for (const q of [
      "name contains 'x",
      "'a@b' = owners",
      "owners in 'x'",
      "name contains x",
      "(trashed = false",
      "name ~ 'x'",
      "foo = 'x'",
      "name contains 'a\\b'",
      "trashed = maybe",
    ]) {
      const { status, body } = await googleError(bob.files.list({ q }));
      expect(status, q).toBe(400);
      expect(body.error.message, q).toBe("Invalid Value");
    }
    expect(() => parseQuery("a")).toThrow(QueryError);
    expect(parseQuery("not trashed and 'me' in owners or starred")).toEqual({
      kind: "or",
      left: {
        kind: "and",
        left: { kind: "not", inner: { kind: "cmp", field: "trashed", op: "=", value: true } },
        right: { kind: "in", value: "me", collection: "owners" },
      },
      right: { kind: "cmp", field: "starred", op: "=", value: true },
    });
  });
});

describe("files.list parameters", () => {
  it("pages with pageSize (1..1000) and page tokens, ordered by modifiedTime desc", async () => {
    const alice = driveFor(ALICE);
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const res = await alice.files.list({
        pageSize: 2,
        orderBy: "modifiedTime desc",
        q: "trashed = false",
        ...(pageToken ? { pageToken } : {}),
      });
      expect(res.data.files!.length).toBeLessThanOrEqual(2);
      seen.push(...res.data.files!.map((f) => f.name!));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(seen).toEqual([
      "Alice's notes",
      "Contract draft",
      "Support rota",
      "Q3 plan",
      "Budget 2030",
      "Sales deck",
    ]);
    expect((await googleError(alice.files.list({ pageSize: 1001 }))).status).toBe(400);
    expect((await googleError(alice.files.list({ pageSize: 0 }))).status).toBe(400);
    expect((await googleError(alice.files.list({ orderBy: "size desc" }))).status).toBe(400);
  });

  it("returns partial responses for `fields`, and only kind/id/name/mimeType by default", async () => {
    const alice = driveFor(ALICE);
    const plain = await alice.files.list({ q: "name = 'Q3 plan'" });
    expect(Object.keys(plain.data.files![0]!).sort()).toEqual(["id", "kind", "mimeType", "name"]);
    const partial = await alice.files.list({
      q: "name = 'Q3 plan'",
      fields: "nextPageToken,files(id,name,modifiedTime,owners(emailAddress),webViewLink)",
    });
    expect(partial.data).toEqual({
      files: [
        {
          id: ids.plan,
          name: "Q3 plan",
          modifiedTime: "2030-01-05T10:00:00.000Z",
          owners: [{ emailAddress: ALICE }],
          webViewLink: `https://docs.google.com/document/d/${ids.plan}/edit?usp=drivesdk`,
        },
      ],
    });
    const full = await alice.files.get({ fileId: ids.plan!, fields: "*" });
    expect(full.data.lastModifyingUser!.emailAddress).toBe(ALICE);
    expect(full.data.permissions!.map((p) => [p.type, p.role, p.emailAddress])).toEqual([
      ["user", "owner", ALICE],
      ["user", "writer", BOB],
    ]);
    // A commenter does not see the permission list.
    const asCommenter = await alice.files.get({
      fileId: ids.fromBob!,
      fields: "permissions,sharingUser(emailAddress),sharedWithMeTime",
    });
    expect(asCommenter.data.permissions).toBeUndefined();
    expect(asCommenter.data.sharingUser!.emailAddress).toBe(BOB);
    expect((await googleError(alice.files.list({ fields: "files(bogus)" }))).status).toBe(400);
  });

  it("checks corpora and shared-drive flags as Drive does", async () => {
    const alice = driveFor(ALICE);
    const noSupports = await googleError(alice.files.list({ includeItemsFromAllDrives: true }));
    expect(noSupports.status).toBe(400);
    expect(
      (
        await googleError(
          alice.files.list({ corpora: "drive", supportsAllDrives: true, includeItemsFromAllDrives: true }),
        )
      ).status,
    ).toBe(400);
    expect(
      (await googleError(alice.files.list({ corpora: "allDrives", supportsAllDrives: true }))).status,
    ).toBe(400);
    expect((await googleError(alice.files.list({ corpora: "everything" }))).status).toBe(400);
    expect(await names(alice.files.list({ q: "name = 'Team charter'" }))).toEqual([]);
    expect(
      await names(
        alice.files.list({
          corpora: "drive",
          driveId: ids.teamDrive!,
          supportsAllDrives: true,
          includeItemsFromAllDrives: true,
        }),
      ),
    ).toEqual(["Team charter"]);
    const all = await names(
      alice.files.list({
        corpora: "allDrives",
        supportsAllDrives: true,
        includeItemsFromAllDrives: true,
        orderBy: "name",
      }),
    );
    expect(all).toContain("Team charter");
    expect(all).toContain("Q3 plan");
    const bob = driveFor(BOB);
    expect(
      await names(
        bob.files.list({
          corpora: "allDrives",
          supportsAllDrives: true,
          includeItemsFromAllDrives: true,
          q: "name = 'Team charter'",
        }),
      ),
    ).toEqual([]);
  });

  it("applies the drive.file scope (only files the app created) and the per-user quota", async () => {
    expect(await names(driveFor(ALICE, [DRIVE_SCOPES.file]).files.list({}))).toEqual([]);
    sim.control.drive.configure({ queriesPerUserPerMinute: 2 });
    try {
      sim.control.advanceClock({ minutes: 1 });
      const bob = driveFor(BOB);
      await bob.files.list({});
      await bob.files.list({});
      const over = await googleError(bob.files.list({}));
      expect(over.status).toBe(403);
      expect(over.body.error.errors[0]).toMatchObject({
        reason: "userRateLimitExceeded",
        domain: "usageLimits",
      });
    } finally {
      sim.control.drive.configure({ queriesPerUserPerMinute: 325_000 });
    }
  });
});
