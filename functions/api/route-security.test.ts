// Route by route, from the API description the api serves: every protected route refuses a missing or
// bad token, every admin route refuses a plain user, and no route reaches into another organisation
// or another user's data. New routes are covered as soon as they are mounted.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { firestoreRefreshSessions } from "../../shared/identity/refresh-sessions";
import { sessionTokenService } from "../../shared/identity/session-tokens";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import { TELEPHONY_SECRET } from "../../shared/platform/service-token";
import type { RunningFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import { createTopics, startFunctionForTest, writeSecretsFile } from "../../tools/testing/function-harness";

const emulators = useEmulators("routesec");
const SERVICE_TOKEN = "telephony-token-for-route-security-0123456789";
let api: RunningFunction;
let db: Firestore;
let userToken: string;
type Operation = {
  "x-access": "public" | "user" | "admin" | "service";
  parameters?: Array<{ name: string; in: string }>;
};
let operations: Array<{ method: string; path: string; op: Operation }> = [];
/** Two companies onboarded through the API, each with an admin and a user, and some data of their own. */
interface Tenant {
  orgId: string;
  domain: string;
  admin: { id: string; token: string };
  user: { id: string; token: string };
  contactId: string;
}
const tenants: Record<"acme" | "globex", Tenant> = {} as never;

beforeAll(async () => {
  const ring = newSigningKeyRing();
  const secretsFile = await writeSecretsFile({
    "session-signing-keys": ring,
    [TELEPHONY_SECRET]: SERVICE_TOKEN,
  });
  [api] = await Promise.all([
    startFunctionForTest("api", emulators, {
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: secretsFile,
      PUBLIC_AUTH_URL: "http://127.0.0.1:9",
      ALLOWED_RETURN_ORIGINS: "http://app.test",
    }),
    createTopics(emulators, ["audit-events", "contact-sync"]),
  ]);
  db = new Firestore({ projectId: emulators.projectId });
  const users = firestoreUserRepository(db);
  const sessions = firestoreRefreshSessions(db);
  const tokens = sessionTokenService({ get: async () => ring });
  const mint = async (orgId: string, userId: string, email: string, role: "user" | "admin") => {
    const { sessionId } = await sessions.start(orgId, userId);
    return (await tokens.issue({ orgId, userId, email, role, sessionId })).accessToken;
  };
  for (const name of ["acme", "globex"] as const) {
    const domain = `${name}.example`;
    const onboarded = await fetch(`${api.url}/v1/telephony/orgs`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        name,
        primaryDomain: domain,
        firstAdminEmail: `admin@${domain}`,
        region: "GB",
        timeZone: "Europe/London",
      }),
    });
    expect(onboarded.status).toBe(201);
    const orgId = ((await onboarded.json()) as { org: { id: string } }).org.id;
    const admin = (await users.findByEmail(orgId, `admin@${domain}`))!;
    const userId = `u-${name}-user`;
    await users.create({
      id: userId,
      orgId,
      email: `user@${domain}`,
      role: "user",
      status: "active",
      licensed: true,
    });
    const userTok = await mint(orgId, userId, `user@${domain}`, "user");
    const contact = await fetch(`${api.url}/v1/contacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${userTok}`, "content-type": "application/json" },
      body: JSON.stringify({ givenName: `${name}-secret-contact`, phones: [{ value: "020 7946 0321" }] }),
    });
    expect(contact.status).toBe(201);
    tenants[name] = {
      orgId,
      domain,
      admin: { id: admin.id, token: await mint(orgId, admin.id, admin.email, "admin") },
      user: { id: userId, token: userTok },
      contactId: ((await contact.json()) as { id: string }).id,
    };
  }
  userToken = tenants.acme.user.token;
  const doc = (await (await fetch(`${api.url}/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
});
afterAll(async () => {
  await api?.stop();
  await db?.terminate();
});

// Path parameters get values of the caller's own org and user unless a test says otherwise.
const fill = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "x");
const call = (method: string, path: string, token?: string) =>
  fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }),
    },
    ...(method === "GET" || method === "DELETE" ? {} : { body: "{}" }),
  });
const servedByApi = (path: string) => path.startsWith("/v1/");

describe("route security, for every route in the API description", () => {
  it("describes every route's access level", () => {
    expect(operations.length).toBeGreaterThan(10);
    for (const { op } of operations) expect(["public", "user", "admin", "service"]).toContain(op["x-access"]);
  });

  it("refuses every protected route without a token, or with a forged one, with 401", async () => {
    const protectedOps = operations.filter((o) => o.op["x-access"] !== "public" && servedByApi(o.path));
    expect(protectedOps.length).toBeGreaterThan(5);
    for (const { method, path } of protectedOps) {
      const url = fill(path, { org: tenants.acme.orgId, user: tenants.acme.user.id });
      expect((await call(method, url)).status, `${method} ${path} without a token`).toBe(401);
      expect(
        (await call(method, url, `${userToken.slice(0, -4)}AAAA`)).status,
        `${method} ${path} with a forged token`,
      ).toBe(401);
    }
  });

  it("refuses every admin route to a plain user with 403", async () => {
    const adminOps = operations.filter((o) => o.op["x-access"] === "admin" && servedByApi(o.path));
    expect(adminOps.length).toBeGreaterThan(1);
    for (const { method, path } of adminOps) {
      const res = await call(
        method,
        fill(path, { org: tenants.acme.orgId, user: tenants.acme.user.id }),
        userToken,
      );
      expect(res.status, `${method} ${path} as a user`).toBe(403);
    }
  });

  it("refuses another organisation's and another user's data on every route that names them", async () => {
    const { acme, globex } = tenants;
    // Routes whose parameters name data (an integration's `name` is the caller's own, not data).
    const named = operations.filter(
      (o) =>
        /\{(?!name\})\w+\}/.test(o.path) &&
        (o.op["x-access"] === "user" || o.op["x-access"] === "admin") &&
        servedByApi(o.path),
    );
    expect(named.length).toBeGreaterThan(5);
    // Every identifier names globex's data: its org, its users, its contact.
    const theirs = {
      org: globex.orgId,
      orgId: globex.orgId,
      user: globex.user.id,
      userId: globex.user.id,
      owner: globex.user.id,
      id: globex.contactId,
      room: globex.contactId,
      eventId: globex.contactId,
      name: "contacts",
    };
    for (const { method, path } of named) {
      for (const token of [acme.admin.token, acme.user.token]) {
        const res = await call(method, fill(path, theirs), token);
        expect(res.status, `${method} ${path} with globex's ids`).toBeGreaterThanOrEqual(400);
        expect(await res.text(), `${method} ${path} with globex's ids`).not.toContain(
          "globex-secret-contact",
        );
      }
      if (path.includes("{user}")) {
        const res = await call(method, fill(path, { org: acme.orgId, user: acme.admin.id }), userToken);
        expect(res.status, `${method} ${path} for another user`).toBe(403);
      }
    }
  });

  it("shows each organisation only its own data on every route that reads without naming it", async () => {
    const { acme, globex } = tenants;
    const reads = operations.filter(
      (o) =>
        o.method === "GET" &&
        !/\{\w+\}/.test(o.path) &&
        (o.op["x-access"] === "user" || o.op["x-access"] === "admin") &&
        servedByApi(o.path),
    );
    expect(reads.map((r) => r.path)).toEqual(
      expect.arrayContaining(["/v1/admin/org", "/v1/contacts", "/v1/me"]),
    );
    for (const [me, them] of [
      [acme, globex],
      [globex, acme],
    ] as const) {
      let ownSeen = 0;
      for (const { path } of reads) {
        for (const token of [me.admin.token, me.user.token]) {
          const res = await call("GET", path, token);
          const text = await res.text();
          for (const mark of [them.orgId, them.domain, them.user.id, them.admin.id, them.contactId])
            expect(text, `GET ${path} as ${me.domain} shows ${mark}`).not.toContain(mark);
          if (text.includes(me.orgId) || text.includes(me.contactId)) ownSeen++;
        }
      }
      // The check can fail: the org's own data does show up (org settings, contacts, me).
      expect(ownSeen).toBeGreaterThanOrEqual(3);
    }
  });
});
