// The typed client against the bundled api function over real HTTP (Firestore and Pub/Sub emulators): an
// expired access token is rotated once through the refresh token, even by calls made together; the API's
// errors come back as SwitchboardError with their stable codes; a session ended at the server leaves the
// client without tokens.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreRefreshSessions } from "../../shared/identity/refresh-sessions";
import { newSigningKeyRing } from "../../shared/identity/signing-keys";
import type { RunningFunction } from "../../tools/stack/function-process";
import { useEmulators } from "../../tools/testing/emulator-env";
import { createTopics, startFunctionForTest, writeSecretsFile } from "../../tools/testing/function-harness";
import { type SessionTokens, SwitchboardError, switchboardClient } from "./src/index";

const emulators = useEmulators("client");
const ORG = "org-client";
const USER = { id: "u-client", email: "client@acme.test" };
let api: RunningFunction;
let db: Firestore;

beforeAll(async () => {
  const secretsFile = await writeSecretsFile({ "session-signing-keys": newSigningKeyRing() });
  [api] = await Promise.all([
    startFunctionForTest("api", emulators, {
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: secretsFile,
      PUBLIC_AUTH_URL: "http://127.0.0.1:9",
    }),
    createTopics(emulators, ["contact-sync", "audit-events"]),
  ]);
  db = new Firestore({ projectId: emulators.projectId });
  await db.doc(`orgs/${ORG}/users/${USER.id}`).set({
    id: USER.id,
    orgId: ORG,
    email: USER.email,
    role: "user",
    status: "active",
    licensed: true,
    createdAt: new Date(),
  });
});
afterAll(async () => {
  await api?.stop();
  await db?.terminate();
});

/** A session as a sign-in leaves it, with an access token the api will refuse (so the client must refresh). */
async function staleSession(): Promise<SessionTokens> {
  const { refreshToken } = await firestoreRefreshSessions(db).start(ORG, USER.id);
  return { accessToken: "expired.or.forged.token", refreshToken };
}

describe("the typed client", () => {
  it("rotates an expired session once, even for calls made together, and keeps the new tokens", async () => {
    const seen: Array<SessionTokens | null> = [];
    const first = await staleSession();
    const client = switchboardClient({ baseUrl: api.url, tokens: first, onTokens: (t) => seen.push(t) });
    const [me, contacts] = await Promise.all([
      client.call((c) => c.GET("/v1/me")),
      client.call((c) => c.GET("/v1/contacts", { params: { query: { limit: "5" } } })),
    ]);
    expect(me).toMatchObject({ id: USER.id, orgId: ORG, email: USER.email });
    expect(contacts).toMatchObject({ contacts: [] });
    expect(seen).toHaveLength(1); // one rotation for both calls
    expect(seen[0]!.refreshToken).not.toBe(first.refreshToken);
    expect(client.tokens()).toEqual(seen[0]);
  });

  it("answers an API error as a SwitchboardError with the stable code", async () => {
    const client = switchboardClient({ baseUrl: api.url, tokens: await staleSession() });
    const refused = await client
      .call((c) => c.GET("/v1/contacts/lookup", { params: { query: { phone: "not a number" } } }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SwitchboardError);
    expect(refused).toMatchObject({ status: 400, code: "validation_failed" });
    const missing = await client
      .call((c) => c.GET("/v1/contacts/{id}", { params: { path: { id: "nope" } } }))
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: "not_found" });
  });

  it("ends without tokens when the session was revoked at the server", async () => {
    const session = await staleSession();
    const ended: Array<SessionTokens | null> = [];
    const client = switchboardClient({ baseUrl: api.url, tokens: session, onTokens: (t) => ended.push(t) });
    await client.call((c) => c.GET("/v1/me")); // rotates: the first refresh token is now spent
    const stale = switchboardClient({ baseUrl: api.url, tokens: session });
    // Reusing the spent refresh token ends the whole session (theft detection), for both holders.
    await expect(stale.call((c) => c.GET("/v1/me"))).rejects.toMatchObject({ status: 401 });
    expect(stale.tokens()).toBeNull();
    // The legitimate holder's next rotation is refused: the client drops its tokens and says so.
    expect(await client.refresh()).toBe(false);
    expect(client.tokens()).toBeNull();
    expect(ended.at(-1)).toBeNull();
  });
});
