// firestore.rules against the Firestore emulator: a client-SDK-style request (no credentials, or a
// Firebase ID token) is refused on every path, while the server SDK, which rules do not govern, still
// reads and writes. The emulator evaluates rules for every request except those carrying its admin
// credential `Authorization: Bearer owner` (what server SDKs send to it); rules are loaded per project
// with PUT /emulator/v1/projects/<project>:securityRules.
import { readFileSync } from "node:fs";
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulators } from "./tools/testing/emulator-env";

const emulators = useEmulators("rules");
const rules = readFileSync(new URL("./firestore.rules", import.meta.url), "utf8");
const base = `http://${emulators.firestoreHost}/v1/projects/${emulators.projectId}/databases/(default)/documents`;
let db: Firestore;

async function loadRules(source: string) {
  const res = await fetch(
    `http://${emulators.firestoreHost}/emulator/v1/projects/${emulators.projectId}:securityRules`,
    {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules: { files: [{ name: "firestore.rules", content: source }] } }),
    },
  );
  expect(res.status, await res.clone().text()).toBe(200);
}

/** A Firebase ID token as a client SDK sends it to the emulator (unsigned, which the emulator accepts). */
const idToken = (uid: string) => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({
    iss: `https://securetoken.google.com/${emulators.projectId}`,
    aud: emulators.projectId,
    sub: uid,
    user_id: uid,
    iat: now,
    exp: now + 3600,
    auth_time: now,
    firebase: { sign_in_provider: "custom", identities: {} },
  })}.`;
};

const client = (path: string, init: RequestInit = {}, token?: string) =>
  fetch(`${base}/${path}`, {
    ...init,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  await db.doc("orgs/acme/users/u1").set({ email: "u1@acme.example", role: "admin" });
  await db.doc("orgs/acme/grants/g1").set({ refreshToken: { kid: "k", data: "sealed" } });
});
afterAll(async () => {
  await db?.terminate();
});

describe("firestore.rules (deny-all for client SDKs)", () => {
  it("refuses client reads, queries and writes, signed in or not, on every path", async () => {
    await loadRules(rules);
    for (const token of [undefined, idToken("u1")]) {
      for (const path of ["orgs/acme/users/u1", "orgs/acme/grants/g1", "health/readiness"])
        expect((await client(path, {}, token)).status, `read ${path}`).toBe(403);
      const list = await client("orgs/acme/users", {}, token);
      expect(list.status, "list").toBe(403);
      const write = await client(
        "orgs/acme/users/u2",
        { method: "PATCH", body: JSON.stringify({ fields: { role: { stringValue: "admin" } } }) },
        token,
      );
      expect(write.status, "write").toBe(403);
      expect(((await write.json()) as { error: { status: string } }).error.status).toBe("PERMISSION_DENIED");
    }
    expect((await db.doc("orgs/acme/users/u2").get()).exists, "nothing was written").toBe(false);
  });

  it("leaves the server SDK (the backend) unaffected", async () => {
    await loadRules(rules);
    expect((await db.doc("orgs/acme/users/u1").get()).get("role")).toBe("admin");
    await db.doc("orgs/acme/users/u3").set({ role: "user" });
    expect((await db.doc("orgs/acme/users/u3").get()).exists).toBe(true);
  });

  it("would let a client read with permissive rules (so the refusals above are the rules' doing)", async () => {
    await loadRules(rules.replace("allow read, write: if false;", "allow read, write: if true;"));
    expect((await client("orgs/acme/users/u1")).status).toBe(200);
    await loadRules(rules);
    expect((await client("orgs/acme/users/u1")).status).toBe(403);
  });
});
