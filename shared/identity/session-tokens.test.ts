import { describe, expect, it } from "vitest";
import type { SecretStore } from "../platform/secrets";
import { sessionTokenService } from "./session-tokens";
import { newSigningKey } from "./signing-keys";

const store = (value: unknown): SecretStore => ({ get: async () => JSON.stringify(value) });
const alice = {
  orgId: "acme",
  userId: "u-1",
  email: "alice@acme.example",
  role: "user" as const,
  sessionId: "s-1",
};

describe("session access tokens", () => {
  it("round-trips the principal and names its key in the header", async () => {
    const key = newSigningKey("k-1");
    const service = sessionTokenService(store({ current: "k-1", keys: [key] }));
    const { accessToken, expiresIn } = await service.issue(alice);
    expect(expiresIn).toBe(900);
    expect(JSON.parse(Buffer.from(accessToken.split(".")[0]!, "base64url").toString())).toMatchObject({
      alg: "ES256",
      kid: "k-1",
    });
    await expect(service.verify(accessToken)).resolves.toEqual(alice);
  });

  it("keeps accepting tokens of the previous key after a rotation, so nobody is logged out", async () => {
    const oldKey = newSigningKey("k-old");
    const newKey = newSigningKey("k-new");
    const before = await sessionTokenService(store({ current: "k-old", keys: [oldKey] })).issue(alice);
    const after = sessionTokenService(store({ current: "k-new", keys: [newKey, oldKey] }));
    await expect(after.verify(before.accessToken)).resolves.toEqual(alice);
    const fresh = await after.issue(alice);
    expect(JSON.parse(Buffer.from(fresh.accessToken.split(".")[0]!, "base64url").toString()).kid).toBe(
      "k-new",
    );
  });

  it("refuses an expired token, a token of a removed key, and a tampered one", async () => {
    const key = newSigningKey("k-1");
    const service = sessionTokenService(store({ current: "k-1", keys: [key] }));
    const old = await service.issue(alice, new Date(Date.now() - 3600_000));
    await expect(service.verify(old.accessToken)).rejects.toMatchObject({ code: "unauthenticated" });
    const other = sessionTokenService(store({ current: "k-2", keys: [newSigningKey("k-2")] }));
    await expect(other.verify((await service.issue(alice)).accessToken)).rejects.toMatchObject({
      code: "unauthenticated",
    });
    const [h, p, s] = (await service.issue(alice)).accessToken.split(".");
    const claims = { ...JSON.parse(Buffer.from(p!, "base64url").toString()), org: "globex" };
    await expect(
      service.verify(`${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`),
    ).rejects.toMatchObject({ code: "unauthenticated" });
  });
});
