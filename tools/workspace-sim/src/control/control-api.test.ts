// The control API over HTTP (/_sim/...) drives the same state as the typed client: seeding from JSON,
// acting as a user in Google, the clock, fault injection seen through the real clients, and the
// request log that counts calls per method and user.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES, startWorkspaceSim } from "../index";
import { bearer, CLIENT, googleError, type Json, peopleClient } from "../test-support";

let sim: RunningWorkspaceSim;
const OWNER = "maria@globex.test";

async function sim_(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}/_sim${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as Json) };
}

beforeAll(async () => {
  sim = await startWorkspaceSim({ demo: true, settings: { people: { criticalReadsPerMinute: null } } });
});
afterAll(() => sim.stop());

describe("control API over HTTP", () => {
  it("starts with the demo customers (Northwind, two more, consumer accounts) and seeds another from JSON", async () => {
    expect((await sim_("GET", "/orgs")).body.map((o: { domain: string }) => o.domain)).toEqual([
      "northwind.example",
      "contoso.example",
      "fabrikam.example",
      "gmail.example",
    ]);
    const seeded = await sim_("POST", "/seed", {
      domain: "globex.test",
      users: [
        {
          email: OWNER,
          givenName: "Maria",
          familyName: "Lopez",
          contacts: [{ name: "Hank Scorpio", phones: ["+1 212 555 0199"] }],
        },
      ],
      oauthClients: [
        { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] },
      ],
    });
    expect(seeded.status).toBe(200);
    expect(seeded.body[0]).toMatchObject({ domain: "globex.test", users: 1 });
    const contacts = await sim_("GET", `/users/${OWNER}/contacts`);
    expect(contacts.body[0].phoneNumbers[0].canonicalForm).toBe("+12125550199");
  });

  it("acts as the user in Google: add, edit, merge and delete contacts", async () => {
    const a = (
      await sim_("POST", `/users/${OWNER}/contacts`, { givenName: "Ann", emails: ["ann@x.example"] })
    ).body;
    const b = (
      await sim_("POST", `/users/${OWNER}/contacts`, { givenName: "Ann", phones: ["+1 415 555 0100"] })
    ).body;
    const id = (rn: string) => rn.replace("people/", "");
    const edited = await sim_("PATCH", `/users/${OWNER}/contacts/${id(a.resourceName)}`, {
      givenName: "Anne",
      familyName: "Lee",
    });
    expect(edited.body.names[0].displayName).toBe("Anne Lee");
    expect(edited.body.etag).not.toBe(a.etag);
    const merged = await sim_("POST", `/users/${OWNER}/contacts:merge`, {
      keep: a.resourceName,
      merge: [b.resourceName],
    });
    expect(merged.body.phoneNumbers[0].canonicalForm).toBe("+14155550100");
    expect(merged.body.emailAddresses[0].value).toBe("ann@x.example");
    const names = (await sim_("GET", `/users/${OWNER}/contacts`)).body.map(
      (p: { resourceName: string }) => p.resourceName,
    );
    expect(names).toContain(a.resourceName);
    expect(names).not.toContain(b.resourceName);
    expect((await sim_("DELETE", `/users/${OWNER}/contacts/${id(a.resourceName)}`)).status).toBe(204);
  });

  it("renames, moves, suspends and deletes users", async () => {
    const email = "tom.becker@northwind.example";
    expect((await sim_("POST", `/users/${email}/rename`, { givenName: "Thomas" })).body.name.givenName).toBe(
      "Thomas",
    );
    expect(
      (await sim_("POST", `/users/${email}/move`, { orgUnitPath: "/Sales/EMEA" })).body.orgUnitPath,
    ).toBe("/Sales/EMEA");
    expect((await sim_("POST", `/users/${email}/suspend`)).body.suspended).toBe(true);
    expect((await sim_("POST", `/users/${email}/delete`)).body.deletionTime).toBeTruthy();
    expect((await sim_("POST", "/users/nobody@northwind.example/suspend")).status).toBe(400);
  });

  it("mounts the SAML IdP for the seeded organisation's idpid", async () => {
    const res = await fetch(`${sim.url}/o/saml2/metadata?idpid=C01nwind7`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("https://accounts.google.com/o/saml2?idpid=C01nwind7");
  });

  it("advances the clock", async () => {
    const before = Date.parse((await sim_("GET", "/clock")).body.now);
    const after = Date.parse((await sim_("POST", "/clock/advance", { days: 8 })).body.now);
    expect(after - before).toBeGreaterThanOrEqual(8 * 86_400_000);
    expect(after - before).toBeLessThan(8 * 86_400_000 + 60_000);
  });
});

describe("fault injection and the request log", () => {
  it("fails the next N calls of one method for one user with the requested error, then recovers", async () => {
    const api = peopleClient(sim, bearer(sim, OWNER, [SCOPES.contacts], { offline: false }));
    const list = () => api.people.connections.list({ resourceName: "people/me", personFields: "names" });
    const rule = await sim_("POST", "/faults", {
      method: "people.connections.list",
      user: OWNER,
      fail: "503",
      times: 2,
    });
    expect(rule.body.id).toBeGreaterThan(0);
    const e1 = await googleError(list());
    expect(e1.status).toBe(503);
    expect(e1.body.error).toMatchObject({ code: 503, status: "UNAVAILABLE" });
    const e2 = await googleError(list());
    expect(e2.status).toBe(503);
    expect((await list()).status).toBe(200);
    sim.control.injectFault({ api: "people", fail: "403", times: 1 });
    const e3 = await googleError(list());
    expect(e3.body.error.errors[0]).toMatchObject({ reason: "rateLimitExceeded", domain: "usageLimits" });
  });

  it("the real client's own retries ride over injected 429s, and the log shows every attempt", async () => {
    sim.control.clearRequestLog();
    const api = peopleClient(sim, bearer(sim, OWNER, [SCOPES.contacts]));
    sim.control.injectFault({ method: "people.connections.list", fail: "429", times: 2 });
    const res = await api.people.connections.list(
      { resourceName: "people/me", personFields: "names" },
      { retry: true, retryConfig: { retryDelay: 1, statusCodesToRetry: [[429, 429]] } },
    );
    expect(res.status).toBe(200);
    expect(sim.control.requestCount({ method: "people.connections.list", user: OWNER })).toBe(3);
    expect(sim.control.requestCount({ method: "people.connections.list", status: 429 })).toBe(2);
    const http = await sim_("GET", `/requests?method=people.connections.list&user=${OWNER}`);
    expect(http.body.count).toBe(3);
    expect(http.body.counters[`people.connections.list ${OWNER}`]).toBe(3);
  });

  it("adds latency to matching calls", async () => {
    const api = peopleClient(sim, bearer(sim, OWNER, [SCOPES.contacts]));
    sim.control.injectFault({ api: "people", latencyMs: 200, times: 1 });
    const started = performance.now();
    await api.people.connections.list({ resourceName: "people/me", personFields: "names" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});
