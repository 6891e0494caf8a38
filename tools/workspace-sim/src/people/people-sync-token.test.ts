// connections.list sync semantics: tokens only on the last page, incremental changes with
// tombstones, parameters that must match, expiry after 7 days (EXPIRED_SYNC_TOKEN) and the
// configurable write→sync lag.
import type { people_v1 } from "@googleapis/people";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES } from "../index";
import { acmeSeed, bearer, googleError, peopleClient, startTestSim } from "../test-support";

const OWNER = "sync@acme.test";
let sim: RunningWorkspaceSim;
let api: people_v1.People;
const list = (params: people_v1.Params$Resource$People$Connections$List = {}) =>
  api.people.connections.list({ resourceName: "people/me", personFields: "names,phoneNumbers", ...params });

async function fullSync(pageSize: number) {
  const names: string[] = [];
  let pageToken: string | undefined;
  const pages: people_v1.Schema$ListConnectionsResponse[] = [];
  do {
    const { data } = await list({ pageSize, requestSyncToken: true, ...(pageToken ? { pageToken } : {}) });
    pages.push(data);
    for (const p of data.connections ?? []) names.push(p.resourceName!);
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return { names, pages, syncToken: pages.at(-1)!.nextSyncToken! };
}

beforeAll(async () => {
  const seed = acmeSeed();
  seed.users!.push({ email: OWNER, givenName: "Sync", familyName: "Owner", generatedContacts: 25 });
  sim = await startTestSim({}, seed);
  api = peopleClient(sim, bearer(sim, OWNER, [SCOPES.contacts]));
});
afterAll(() => sim.stop());

describe("connections.list sync tokens", () => {
  it("returns nextSyncToken only on the last page and every contact exactly once", async () => {
    const { names, pages } = await fullSync(10);
    expect(pages).toHaveLength(3);
    expect(pages.slice(0, -1).every((p) => p.nextSyncToken === undefined && p.nextPageToken)).toBe(true);
    expect(pages.at(-1)!.nextSyncToken).toBeTruthy();
    expect(new Set(names).size).toBe(25);
    expect(pages[0]!.totalPeople).toBe(25);
  });

  it("an incremental sync returns edits and deletions (as tombstones) since the token", async () => {
    const { names, syncToken } = await fullSync(100);
    const [edited, deleted] = [names[3]!, names[7]!];
    sim.control.editContact(OWNER, edited, { givenName: "Renamed" });
    sim.control.deleteContact(OWNER, deleted);
    const added = sim.control.addContact(OWNER, { givenName: "New", phones: ["+1 415 555 0199"] });
    sim.control.advanceClock({ seconds: 61 }); // past the default write→sync lag
    const { data } = await list({ syncToken, requestSyncToken: true });
    const byName = new Map((data.connections ?? []).map((p) => [p.resourceName, p]));
    expect([...byName.keys()].sort()).toEqual([edited, deleted, added.resourceName as string].sort());
    expect(byName.get(edited)!.names![0]!.givenName).toBe("Renamed");
    expect(byName.get(deleted)!.metadata?.deleted).toBe(true);
    expect(data.nextSyncToken).toBeTruthy();
    const again = await list({ syncToken: data.nextSyncToken!, requestSyncToken: true });
    expect(again.data.connections).toBeUndefined();
  });

  it("an expired sync token is refused with EXPIRED_SYNC_TOKEN after 7 days", async () => {
    const { syncToken } = await fullSync(100);
    sim.control.advanceClock({ days: 6, hours: 23 });
    const ok = await list({ syncToken, requestSyncToken: true });
    sim.control.advanceClock({ hours: 1 });
    // Incremental tokens descend from the same full sync, so they expire with it.
    const err = await googleError(list({ syncToken: ok.data.nextSyncToken!, requestSyncToken: true }));
    expect(err.status).toBe(400);
    expect(err.body.error).toMatchObject({
      code: 400,
      status: "FAILED_PRECONDITION",
      message: "Sync token is expired. Clear local cache and retry call without the sync token.",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "EXPIRED_SYNC_TOKEN",
          domain: "people.googleapis.com",
        },
      ],
    });
  });

  it("refuses a page token sent with different parameters, and a sync token with different personFields", async () => {
    const first = await list({ pageSize: 5, requestSyncToken: true });
    const err = await googleError(
      list({ pageSize: 6, requestSyncToken: true, pageToken: first.data.nextPageToken! }),
    );
    expect(err.status).toBe(400);
    expect(err.body.error.status).toBe("INVALID_ARGUMENT");
    const { syncToken } = await fullSync(100);
    const err2 = await googleError(
      api.people.connections.list({
        resourceName: "people/me",
        personFields: "names",
        syncToken,
        requestSyncToken: true,
      }),
    );
    expect(err2.status).toBe(400);
  });

  it("requires personFields and a pageSize between 1 and 1000", async () => {
    const missing = await googleError(api.people.connections.list({ resourceName: "people/me" }));
    expect(missing.status).toBe(400);
    expect(missing.body.error.status).toBe("INVALID_ARGUMENT");
    const tooBig = await googleError(list({ pageSize: 1001 }));
    expect(tooBig.status).toBe(400);
  });

  it("with a write→sync lag, a fresh edit is held back from incremental sync until the lag has passed", async () => {
    const { names, syncToken } = await fullSync(100);
    const { syncLagMs } = sim.control.settings().people;
    sim.control.configure({ people: { syncLagMs: 5 * 60_000 } });
    try {
      sim.control.editContact(OWNER, names[0]!, { givenName: "Lagging" });
      const early = await list({ syncToken, requestSyncToken: true });
      expect(early.data.connections).toBeUndefined();
      sim.control.advanceClock({ minutes: 5 });
      const late = await list({ syncToken: early.data.nextSyncToken!, requestSyncToken: true });
      expect(late.data.connections?.map((p) => p.names?.[0]?.givenName)).toEqual(["Lagging"]);
    } finally {
      sim.control.configure({ people: { syncLagMs } });
    }
  });
});
