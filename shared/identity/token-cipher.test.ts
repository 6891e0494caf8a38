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

  it("refuses a value whose key has left the ring, and a malformed ring without echoing it", async () => {
    const sealed = await tokenCipher(secrets(newTokenKeyRing("k1"))).seal(TOKEN, alice);
    await expect(tokenCipher(secrets(newTokenKeyRing("k9"))).open(sealed, alice)).rejects.toThrow(
      /k1 is not in the key ring/,
    );
    const bad = JSON.stringify({ current: "k1", keys: { k1: "c2VjcmV0LXRvby1zaG9ydA==" } });
    await expect(tokenCipher(secrets(bad)).seal(TOKEN, alice)).rejects.toThrow(/malformed: keys.k1/);
    await expect(tokenCipher(secrets(bad)).seal(TOKEN, alice)).rejects.not.toThrow(/c2VjcmV0/);
  });
});
