// Size: 25,000 contacts for one user and 50,000 directory users seed and page correctly (how long the
// seeding takes is measured in `npm run bench -- workspace-sim`, not asserted here).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES, startWorkspaceSim } from "../index";
import { bearer, directoryClient, peopleClient } from "../test-support";

let sim: RunningWorkspaceSim;
const OWNER = "big@large.test";

beforeAll(async () => {
  sim = await startWorkspaceSim({
    settings: { people: { criticalReadsPerMinute: null }, directory: { queriesPerMinute: null } },
  });
  sim.control.seed({
    domain: "large.test",
    users: [{ email: OWNER, givenName: "Big", familyName: "Book", isAdmin: true, generatedContacts: 25_000 }],
    generatedUsers: 50_000,
    oauthClients: [
      {
        clientId: "switchboard-test.apps.googleusercontent.com",
        clientSecret: "GOCSPX-test-secret",
        redirectUris: [],
      },
    ],
  });
}, 120_000);
afterAll(() => sim.stop());

describe("seeding at size", () => {
  it("pages all 25,000 contacts exactly once with a sync token at the end", async () => {
    const api = peopleClient(sim, bearer(sim, OWNER, [SCOPES.contactsReadonly]));
    const seen = new Set<string>();
    let pageToken: string | undefined;
    let syncToken: string | undefined;
    do {
      const { data } = await api.people.connections.list({
        resourceName: "people/me",
        personFields: "names,phoneNumbers",
        pageSize: 1000,
        requestSyncToken: true,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const p of data.connections ?? []) seen.add(p.resourceName!);
      pageToken = data.nextPageToken ?? undefined;
      syncToken = data.nextSyncToken ?? undefined;
    } while (pageToken);
    expect(seen.size).toBe(25_000);
    expect(syncToken).toBeTruthy();
  });

  it("pages all 50,001 directory users exactly once", async () => {
    const dir = directoryClient(sim, bearer(sim, OWNER, [SCOPES.adminUserReadonly]));
    const seen = new Set<string>();
    let pageToken: string | undefined;
    do {
      const { data } = await dir.users.list({
        customer: "my_customer",
        maxResults: 500,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const u of data.users ?? []) seen.add(u.id!);
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(seen.size).toBe(50_001);
  }, 60_000);
});
