// Session keys rotate on warm instances: a running api accepts an access token signed with a key that was
// added to the secret after the instance read it (an unknown key id re-reads the ring, bounded), and
// keeps accepting tokens of the old key, which stays in the ring until its tokens expire.
import { writeFile } from "node:fs/promises";
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { firestoreRefreshSessions } from "../../shared/identity/refresh-sessions";
import { sessionTokenService } from "../../shared/identity/session-tokens";
import { newSigningKey, newSigningKeyRing } from "../../shared/identity/signing-keys";
import type { RunningFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import { startFunctionForTest, writeSecretsFile } from "../../tools/testing/function-harness";

const emulators = useEmulators("rotation");
let api: RunningFunction;
let db: Firestore;
let secretsFile: string;
const oldRing = newSigningKeyRing();
let sessionId: string;

beforeAll(async () => {
  secretsFile = await writeSecretsFile({ "session-signing-keys": oldRing });
  api = await startFunctionForTest("api", emulators, {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
  });
  db = new Firestore({ projectId: emulators.projectId });
  await firestoreUserRepository(db).create({
    id: "u-rot",
    orgId: "acme",
    email: "u-rot@acme.example",
    role: "user",
    status: "active",
    licensed: true,
  });
  ({ sessionId } = await firestoreRefreshSessions(db).start("acme", "u-rot"));
});
afterAll(async () => {
  await api?.stop();
  await db?.terminate();
});

const mint = async (ring: string) =>
  (
    await sessionTokenService({ get: async () => ring }).issue({
      orgId: "acme",
      userId: "u-rot",
      email: "u-rot@acme.example",
      role: "user",
      sessionId,
    })
  ).accessToken;
const me = (token: string) => fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe("session key rotation on a warm instance", () => {
  it("accepts a token signed with a key added to the secret after the instance started", async () => {
    const oldToken = await mint(oldRing);
    expect((await me(oldToken)).status).toBe(200); // the instance has now read (and cached) the old ring

    const added = newSigningKey("k-added-later");
    const { keys } = JSON.parse(oldRing) as { keys: unknown[] };
    const rotated = JSON.stringify({ current: added.kid, keys: [...keys, added] });
    await writeFile(secretsFile, JSON.stringify({ "session-signing-keys": rotated }));

    const newToken = await mint(rotated);
    expect(JSON.parse(Buffer.from(newToken.split(".")[0] as string, "base64url").toString()).kid).toBe(
      "k-added-later",
    );
    const res = await me(newToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: "u-rot", orgId: "acme" });
    expect((await me(oldToken)).status, "the old key still verifies").toBe(200);
  });

  it("still refuses a token whose key is in no version of the ring", async () => {
    const stranger = await mint(newSigningKeyRing());
    expect((await me(stranger)).status).toBe(401);
  });
});
