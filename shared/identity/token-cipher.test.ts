import { describe, expect, it } from "vitest";
import type { SecretStore } from "../platform/secrets";
import { newTokenKeyRing, type TokenBinding, tokenCipher } from "./token-cipher";

const secrets = (ring: string): SecretStore => ({ get: async () => ring });
const alice: TokenBinding = { orgId: "org-1", userId: "alice", grantId: "g-1", field: "refresh_token" };
const TOKEN = "1//0refresh-token-of-alice";

describe("token cipher", () => {
  it("round-trips a token and never stores the plaintext", async () => {
    const cipher = tokenCipher(secrets(newTokenKeyRing("k1")));
    const sealed = await cipher.seal(TOKEN, alice);
    expect(JSON.stringify(sealed)).not.toContain("refresh-token");
    expect(sealed.kid).toBe("k1");
    expect(await cipher.open(sealed, alice)).toBe(TOKEN);
  });

  it("uses a fresh IV each time, so equal tokens do not look equal", async () => {
    const cipher = tokenCipher(secrets(newTokenKeyRing("k1")));
    const [a, b] = [await cipher.seal(TOKEN, alice), await cipher.seal(TOKEN, alice)];
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it("refuses a tampered ciphertext, tag or IV", async () => {
    const cipher = tokenCipher(secrets(newTokenKeyRing("k1")));
    const sealed = await cipher.seal(TOKEN, alice);
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, "base64");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString("base64");
    };
    for (const field of ["data", "tag", "iv"] as const) {
      await expect(cipher.open({ ...sealed, [field]: flip(sealed[field]) }, alice)).rejects.toMatchObject({
        code: "internal",
        retryable: false,
      });
    }
  });

  it("refuses a genuine tag cut short (the tag length is pinned to 16 bytes, not whatever is stored)", async () => {
    const cipher = tokenCipher(secrets(newTokenKeyRing("k1")));
    const sealed = await cipher.seal(TOKEN, alice);
    const short = Buffer.from(sealed.tag, "base64").subarray(0, 12).toString("base64");
    await expect(cipher.open({ ...sealed, tag: short }, alice)).rejects.toMatchObject({
      code: "internal",
      retryable: false,
    });
  });

  it("re-reads the ring once for a key id it lacks: a warm instance opens values sealed with a new key", async () => {
    const oldRing = newTokenKeyRing("k1");
    const newRing = newTokenKeyRing("k2", oldRing);
    let stored = oldRing;
    let refreshes = 0;
    const store: SecretStore = {
      get: async () => oldRing, // the instance's cached value
      refresh: async () => {
        refreshes++;
        return stored;
      },
    };
    const warm = tokenCipher(store);
    expect(await warm.open(await warm.seal(TOKEN, alice), alice)).toBe(TOKEN);
    stored = newRing;
    const fromNewInstance = await tokenCipher(secrets(newRing)).seal(TOKEN, alice);
    expect(fromNewInstance.kid).toBe("k2");
    expect(await warm.open(fromNewInstance, alice)).toBe(TOKEN);
    expect(refreshes).toBe(1);
  });

  it("refuses a record copied to another user, grant, org or field (associated data)", async () => {
    const cipher = tokenCipher(secrets(newTokenKeyRing("k1")));
    const sealed = await cipher.seal(TOKEN, alice);
    for (const other of [
      { ...alice, userId: "bob" },
      { ...alice, grantId: "g-2" },
      { ...alice, orgId: "org-2" },
      { ...alice, field: "access_token" as const },
    ]) {
      await expect(cipher.open(sealed, other)).rejects.toMatchObject({ code: "internal" });
    }
  });

  it("rotates keys: new values use the current key, old values still open, and are reported stale", async () => {
    const oldRing = newTokenKeyRing("k1");
    const before = await tokenCipher(secrets(oldRing)).seal(TOKEN, alice);
    const rotated = tokenCipher(secrets(newTokenKeyRing("k2", oldRing)));
    const after = await rotated.seal(TOKEN, alice);
    expect(after.kid).toBe("k2");
    expect(await rotated.open(before, alice)).toBe(TOKEN);
    expect(await rotated.isStale(before)).toBe(true);
    expect(await rotated.isStale(after)).toBe(false);
  });

  it("refuses a value whose key has left the ring (retryable: redelivered, then dead-lettered for replay), and a malformed ring without echoing it", async () => {
    const sealed = await tokenCipher(secrets(newTokenKeyRing("k1"))).seal(TOKEN, alice);
    await expect(tokenCipher(secrets(newTokenKeyRing("k9"))).open(sealed, alice)).rejects.toMatchObject({
      message: expect.stringMatching(/k1 is not in the key ring/),
      retryable: true,
    });
    const bad = JSON.stringify({ current: "k1", keys: { k1: "c2VjcmV0LXRvby1zaG9ydA==" } });
    await expect(tokenCipher(secrets(bad)).seal(TOKEN, alice)).rejects.toThrow(/malformed: keys.k1/);
    await expect(tokenCipher(secrets(bad)).seal(TOKEN, alice)).rejects.not.toThrow(/c2VjcmV0/);
  });
});
