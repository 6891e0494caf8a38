// Route by route, from the API description the api serves: every protected route refuses a missing or
// bad token, every admin route refuses a plain user, and no route reaches into another organisation
// or another user's data. New routes are covered as soon as they are mounted.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { firestoreRefreshSessions } from "../../shared/identity/refresh-sessions";
import { sessionTokenService } from "../../shared/identity/session-tokens";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import type { RunningFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import { startFunctionForTest, writeSecretsFile } from "../../tools/testing/function-harness";

const emulators = useEmulators("routesec");
let api: RunningFunction;
let db: Firestore;
let userToken: string;
let adminToken: string;
type Operation = {
  "x-access": "public" | "user" | "admin" | "service";
  parameters?: Array<{ name: string; in: string }>;
};
let operations: Array<{ method: string; path: string; op: Operation }> = [];

beforeAll(async () => {
  const ring = newSigningKeyRing();
  const secretsFile = await writeSecretsFile({ "session-signing-keys": ring });
  api = await startFunctionForTest("api", emulators, {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    PUBLIC_AUTH_URL: "http://127.0.0.1:9",
    ALLOWED_RETURN_ORIGINS: "http://app.test",
  });
  db = new Firestore({ projectId: emulators.projectId });
  const users = firestoreUserRepository(db);
  const sessions = firestoreRefreshSessions(db);
  const tokens = sessionTokenService({ get: async () => ring });
  const mint = async (userId: string, role: "user" | "admin") => {
    await users.create({
      id: userId,
      orgId: "acme",
      email: `${userId}@acme.example`,
      role,
      status: "active",
      licensed: true,
    });
    const { sessionId } = await sessions.start("acme", userId);
    return (await tokens.issue({ orgId: "acme", userId, email: `${userId}@acme.example`, role, sessionId }))
      .accessToken;
  };
  [userToken, adminToken] = await Promise.all([mint("u-user", "user"), mint("u-admin", "admin")]);
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
      const url = fill(path, { org: "acme", user: "u-user" });
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
      const res = await call(method, fill(path, { org: "acme", user: "u-user" }), userToken);
      expect(res.status, `${method} ${path} as a user`).toBe(403);
    }
  });

  it("refuses another organisation's and another user's data on every route that names them", async () => {
    const scoped = operations.filter(
      (o) =>
        /\{(org|user)\}/.test(o.path) &&
        (o.op["x-access"] === "user" || o.op["x-access"] === "admin") &&
        servedByApi(o.path),
    );
    for (const { method, path } of scoped) {
      if (path.includes("{org}")) {
        const res = await call(method, fill(path, { org: "globex", user: "u-user" }), adminToken);
        expect(res.status, `${method} ${path} for another org`).toBe(403);
      }
      if (path.includes("{user}")) {
        const res = await call(method, fill(path, { org: "acme", user: "u-admin" }), userToken);
        expect(res.status, `${method} ${path} for another user`).toBe(403);
      }
    }
  });
});
