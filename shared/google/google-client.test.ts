// The Google layer through the real People client against the simulator: vault-issued tokens, and
// backoff that rides out a 429 storm.
import { people } from "@googleapis/people";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../tools/workspace-sim/src/index";
import type { AccessTokenProvider } from "../identity/access-token-provider";
import { clientOptions, userAuthClient } from "./google-client-options";
import { googleErrorInfo, isExpiredCursor, isRetryableGoogleError } from "./google-errors";
import { withGoogleRetry } from "./retry";

let sim: RunningWorkspaceSim;
const CLIENT = "switchboard-test.apps.googleusercontent.com";
let vaultCalls = 0;
let tokens: AccessTokenProvider;

beforeAll(async () => {
  sim = await startWorkspaceSim({ port: 0 });
  sim.control.seed({
    domain: "acme.example",
    users: [
      {
        email: "alice@acme.example",
        givenName: "Alice",
        familyName: "A",
        contacts: [{ name: "Bob Builder", phones: ["+44 20 7946 0000"] }],
      },
    ],
    oauthClients: [{ clientId: CLIENT, clientSecret: "s", redirectUris: [] }],
  });
  tokens = {
    getAccessToken: async () => {
      vaultCalls++;
      const issued = sim.control.issueTokens({
        user: "alice@acme.example",
        clientId: CLIENT,
        scopes: ["https://www.googleapis.com/auth/contacts"],
      });
      return {
        token: issued.access_token,
        expiresAt: new Date(Date.now() + 3_599_000),
        scopes: [],
        grantId: "g",
      };
    },
    keepAlive: async () => "fresh",
    tokenRefused: async () => undefined,
  };
});
afterAll(() => sim?.stop());

const peopleFor = () =>
  people({
    version: "v1",
    ...clientOptions(
      { rootUrl: sim.url },
      userAuthClient(tokens, { orgId: "acme", userId: "u-1" }, "contacts"),
    ),
  });

describe("Google client layer", () => {
  it("authenticates with a token from the vault and reuses it while it is fresh", async () => {
    vaultCalls = 0;
    const api = peopleFor();
    const first = await api.people.connections.list({
      resourceName: "people/me",
      personFields: "names,phoneNumbers",
    });
    await api.people.connections.list({ resourceName: "people/me", personFields: "names" });
    expect(first.data.connections?.[0]?.names?.[0]?.displayName).toBe("Bob Builder");
    expect(vaultCalls).toBe(1);
  });

  it("reads Google's status and reason from a real error", async () => {
    const error = await peopleFor()
      .people.connections.list({ resourceName: "people/me" })
      .catch((e: unknown) => e);
    const info = googleErrorInfo(error);
    expect(info?.status).toBe(400);
    expect(isRetryableGoogleError(error)).toBe(false);
    expect(isExpiredCursor(error)).toBe(false);
  });

  it("retries a 429 storm with backoff and then succeeds", async () => {
    sim.control.injectFault({ api: "people", method: "people.connections.list", fail: "429", times: 3 });
    const delays: number[] = [];
    const result = await withGoogleRetry(
      () => peopleFor().people.connections.list({ resourceName: "people/me", personFields: "names" }),
      {
        sleep: async (ms) => void delays.push(ms),
        random: () => 1,
      },
    );
    expect(result.status).toBe(200);
    expect(delays).toEqual([500, 1000, 2000]);
  });

  it("does not retry what cannot succeed later", async () => {
    let calls = 0;
    await expect(
      withGoogleRetry(() => {
        calls++;
        return peopleFor().people.connections.list({ resourceName: "people/me" });
      }),
    ).rejects.toBeDefined();
    expect(calls).toBe(1);
  });
});
