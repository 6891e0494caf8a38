// Workspace simulator at size: how long seeding 25,000 contacts and 50,000 directory users takes, the
// heap it uses, and how many list pages per second it serves on loopback through the real Google
// clients (client and simulator share this process, so the rates include client-side work).
import { admin } from "@googleapis/admin";
import { people } from "@googleapis/people";
import { OAuth2Client } from "google-auth-library";
import { SCOPES, simOAuthEndpoints, startWorkspaceSim } from "../tools/workspace-sim/src/index";
import type { Bench, Figure } from "./bench.ts";

const CLIENT = { clientId: "bench.apps.googleusercontent.com", clientSecret: "bench-secret" };
const REQUESTS = 300;

async function timed(run: () => Promise<void> | void): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const bench: Bench = {
  name: "workspace-sim",
  description:
    "Workspace simulator: seed time for 25k contacts / 50k users, heap after seeding, list pages per second",
  async run(): Promise<Figure[]> {
    const sim = await startWorkspaceSim({
      settings: { people: { criticalReadsPerMinute: null }, directory: { queriesPerMinute: null } },
    });
    try {
      const heapBefore = process.memoryUsage().heapUsed;
      const seedContactsMs = await timed(() => {
        sim.control.seed({
          domain: "contacts.bench",
          users: [
            {
              email: "owner@contacts.bench",
              givenName: "Owner",
              familyName: "Bench",
              generatedContacts: 25_000,
            },
          ],
          oauthClients: [{ ...CLIENT, redirectUris: [] }],
        });
      });
      const seedUsersMs = await timed(() => {
        sim.control.seed({
          domain: "users.bench",
          users: [{ email: "admin@users.bench", givenName: "Admin", familyName: "Bench", isAdmin: true }],
          generatedUsers: 50_000,
        });
      });
      (globalThis as { gc?: () => void }).gc?.();
      const heapAfterMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

      const authFor = (user: string, scopes: string[]) => {
        const auth = new OAuth2Client({ ...CLIENT, endpoints: simOAuthEndpoints(sim.url) });
        auth.setCredentials({
          access_token: sim.control.issueTokens({ user, clientId: CLIENT.clientId, scopes, offline: false })
            .access_token,
        });
        return auth;
      };
      const peopleApi = people({
        version: "v1",
        rootUrl: `${sim.url}/`,
        auth: authFor("owner@contacts.bench", [SCOPES.contactsReadonly]),
      });
      const directoryApi = admin({
        version: "directory_v1",
        rootUrl: `${sim.url}/`,
        auth: authFor("admin@users.bench", [SCOPES.adminUserReadonly]),
      });

      const firstPageMs = await timed(async () => {
        await peopleApi.people.connections.list({
          resourceName: "people/me",
          personFields: "names,phoneNumbers,emailAddresses",
          pageSize: 100,
        });
      });
      let pageToken: string | undefined;
      const contactsMs = await timed(async () => {
        for (let i = 0; i < REQUESTS; i++) {
          const { data } = await peopleApi.people.connections.list({
            resourceName: "people/me",
            personFields: "names,phoneNumbers,emailAddresses",
            pageSize: 100,
            ...(pageToken ? { pageToken } : {}),
          });
          pageToken = data.nextPageToken ?? undefined;
        }
      });
      let userToken: string | undefined;
      const usersMs = await timed(async () => {
        for (let i = 0; i < REQUESTS; i++) {
          const { data } = await directoryApi.users.list({
            customer: "my_customer",
            maxResults: 100,
            ...(userToken ? { pageToken: userToken } : {}),
          });
          userToken = data.nextPageToken ?? undefined;
        }
      });
      return [
        { name: "sim.seed_contacts_25k", value: Math.round(seedContactsMs), unit: "ms" },
        { name: "sim.seed_users_50k", value: Math.round(seedUsersMs), unit: "ms" },
        { name: "sim.heap_after_seed", value: Math.round(heapAfterMb), unit: "MB" },
        { name: "sim.connections_first_page_25k", value: Math.round(firstPageMs), unit: "ms" },
        {
          name: "sim.connections_list_rps",
          value: Math.round((REQUESTS / contactsMs) * 1000),
          unit: "req/s",
        },
        { name: "sim.users_list_rps", value: Math.round((REQUESTS / usersMs) * 1000), unit: "req/s" },
      ];
    } finally {
      await sim.stop();
    }
  },
};

export default bench;
