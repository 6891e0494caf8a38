import { Firestore } from "@google-cloud/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { AuditEvent } from "./audit-event";
import { type AuditPosition, firestoreAuditRepository } from "./audit-repository";

const emulators = useEmulators("auditrepo");
const db = new Firestore({ projectId: emulators.projectId });
afterAll(() => db.terminate());
const repo = firestoreAuditRepository(db);

const event = (i: number, orgId = "org-1"): AuditEvent => ({
  id: `e-${String(i).padStart(3, "0")}`,
  orgId,
  action: "integration.disconnected",
  outcome: "success",
  actor: { type: "user", id: "u-1" },
  occurredAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i % 5)).toISOString(),
});

describe("audit repository", () => {
  it("stores an event once and reports the duplicate", async () => {
    expect(await repo.store(event(900, "org-dup"))).toBe(true);
    expect(await repo.store(event(900, "org-dup"))).toBe(false);
  });

  it("lists an org's events newest first across pages, each exactly once, and nothing of other orgs", async () => {
    for (let i = 0; i < 23; i++) await repo.store(event(i));
    await repo.store(event(500, "org-2"));
    const seen: AuditEvent[] = [];
    let after: AuditPosition | null = null;
    do {
      const page = await repo.list("org-1", { pageSize: 10, ...(after ? { after } : {}) });
      seen.push(...page.events);
      after = page.next;
    } while (after);
    expect(seen).toHaveLength(23);
    expect(new Set(seen.map((e) => e.id)).size).toBe(23);
    const times = seen.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(seen.every((e) => e.orgId === "org-1")).toBe(true);
  });

  it("refuses an out-of-range page size", async () => {
    await expect(repo.list("org-1", { pageSize: 0 })).rejects.toMatchObject({ code: "invalid_request" });
  });
});
