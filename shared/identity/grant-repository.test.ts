// The grant store against the Firestore emulator: typed round trips, read-modify-write, the integration
// lookup, and the keep-alive query's filters and paging.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { firestoreGrantRepository, type Grant, grantIdFor } from "./grant-repository";

const emulators = useEmulators("grants");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());
const repo = firestoreGrantRepository(db);

const sealed = { kid: "k1", iv: "aXY=", data: "ZGF0YQ==", tag: "dGFn" };
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));

function grant(userId: string, overrides: Partial<Grant> = {}): Grant {
  return {
    orgId: "org-1",
    userId,
    grantId: grantIdFor("client", `sub-${userId}`),
    clientId: "client",
    googleSub: `sub-${userId}`,
    googleEmail: `${userId}@acme.test`,
    integrations: ["contacts"],
    scopes: ["https://www.googleapis.com/auth/contacts"],
    refreshToken: sealed,
    version: 1,
    status: "connected",
    lastError: null,
    lastErrorAt: null,
    accessToken: sealed,
    accessTokenExpiresAt: at(30),
    keepAlive: false,
    createdAt: at(0),
    updatedAt: at(0),
    lastUsedAt: at(0),
    lastRefreshedAt: null,
    ...overrides,
  };
}
const save = (g: Grant) => repo.mutate(g, () => ({ write: g }));

describe("grant repository", () => {
  it("stores a grant and reads it back with dates, found by the integration it serves", async () => {
    const g = grant("u-1", { integrations: ["calendar", "contacts"] });
    await save(g);
    expect(await repo.get(g)).toEqual(g);
    expect((await repo.findForIntegration("org-1", "u-1", "calendar"))?.grantId).toBe(g.grantId);
    expect(await repo.findForIntegration("org-1", "u-1", "gmail")).toBeUndefined();
  });

  it("refuses to write a malformed grant (the converter validates)", async () => {
    const bad = { ...grant("u-2"), status: "maybe" } as unknown as Grant;
    await expect(save(bad)).rejects.toThrow();
    expect(await repo.get(bad)).toBeUndefined();
  });

  it("mutates in a transaction: writes, leaves alone or deletes as decided", async () => {
    const g = grant("u-3");
    await save(g);
    const after = await repo.mutate(g, (cur) =>
      cur ? { write: { ...cur, version: cur.version + 1 } } : undefined,
    );
    expect(after?.version).toBe(2);
    expect(await repo.mutate(g, () => undefined)).toMatchObject({ version: 2 });
    expect(await repo.mutate(g, () => ({ delete: true }))).toBeUndefined();
    expect(await repo.get(g)).toBeUndefined();
  });

  it("sets keepAlive, reporting whether the grant exists", async () => {
    const g = grant("u-4");
    await save(g);
    expect(await repo.setKeepAlive(g, true)).toBe(true);
    expect((await repo.get(g))?.keepAlive).toBe(true);
    expect(await repo.setKeepAlive({ ...g, grantId: "g-missing" }, true)).toBe(false);
  });

  it("lists due keep-alive grants only (connected, keepAlive, expiring by the horizon), soonest first, in pages", async () => {
    const due = [5, 10, 15, 20, 25].map((m, i) =>
      grant(`k-${i}`, { orgId: "org-k", keepAlive: true, accessTokenExpiresAt: at(m) }),
    );
    const notDue = [
      grant("n-late", { orgId: "org-k", keepAlive: true, accessTokenExpiresAt: at(50) }),
      grant("n-off", { orgId: "org-k", keepAlive: false, accessTokenExpiresAt: at(5) }),
      grant("n-dead", {
        orgId: "org-k",
        keepAlive: true,
        status: "needs_reauth",
        accessTokenExpiresAt: at(5),
      }),
    ];
    for (const g of [...due, ...notDue]) await save(g);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.dueForKeepAlive(at(30), 2, cursor);
      seen.push(...page.grants.filter((g) => g.orgId === "org-k").map((g) => g.userId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(["k-0", "k-1", "k-2", "k-3", "k-4"]);
  });
});
