// The contacts API in-process over real HTTP with the Firestore emulator: validation names the field
// and writes nothing, etags guard edits, another user's contact is never readable, every change asks
// for a push (ordering key = the user), search and caller-ID find contacts in any common format.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Firestore } from "@google-cloud/firestore";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import { recordingPublisher, silentLog } from "../identity/test/identity-test-support";
import { AppError } from "../platform/errors";
import { createHttpHandler, type Principal } from "../platform/http";
import { createContact } from "./contact-commands";
import { normaliseFields } from "./contact-model";
import { firestoreContactRepository } from "./contact-repository";
import { contactRoutes } from "./contact-routes";
import { requestUserSync } from "./contact-sync-schedule";
import { contactSyncStatus } from "./contact-sync-status";
import { newContact } from "./sync-rules";

const emulators = useEmulators("contact-api");
let server: Server;
let base: string;
let db: Firestore;
// Records what was published and with which ordering key.
const recorded = recordingPublisher();
const orderingKeys: Array<string | undefined> = [];
const publisher: typeof recorded = {
  messages: recorded.messages,
  publish: (type, payload, options) => {
    orderingKeys.push(options?.orderingKey);
    return recorded.publish(type, payload);
  },
};
const ORG = "org-api";
/** Users whose Contacts is connected, and the routes' clock (the debounce is measured on it). */
const connectedUsers = new Set<string>();
let clockNow = new Date("2026-05-01T09:00:00Z");
const principal = (userId: string): Principal => ({
  orgId: ORG,
  userId,
  email: `${userId}@x.test`,
  role: "user",
  sessionId: "s",
});

beforeAll(async () => {
  db = new Firestore({ projectId: emulators.projectId });
  const handler = createHttpHandler(
    contactRoutes({
      contacts: (u) => firestoreContactRepository(db, u),
      region: async () => "GB",
      publisher,
      clock: () => clockNow,
      syncNow: {
        request: (user, now) => requestUserSync(db, publisher, user, now, 30_000),
        status: contactSyncStatus(() => db),
        connected: async (user) => connectedUsers.has(user.userId),
      },
    }),
    {
      maxBodyBytes: 64 * 1024,
      log: silentLog,
      // Every answer below is checked against its route's declared schema (a violation is a 500).
      checkResponses: () => true,
      authenticate: async (req) => {
        const user = req.headers["x-test-user"];
        if (typeof user !== "string") throw new AppError("unauthenticated", "no user");
        return principal(user);
      },
    },
  );
  http("contacts-test", handler);
  server = getTestServer("contacts-test");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await db?.terminate();
});
beforeEach(() => {
  publisher.messages.length = 0;
  orderingKeys.length = 0;
});

async function call(
  user: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(user ? { "x-test-user": user } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    etag: res.headers.get("etag"),
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
    body: (text ? JSON.parse(text) : undefined) as any,
  };
}

const contactsOf = async (userId: string) =>
  (await db.collection(`orgs/${ORG}/users/${userId}/contacts`).get()).size;

describe("contacts API", () => {
  it("creates a contact, normalises its numbers, and asks for a push ordered by user", async () => {
    connectedUsers.add("u-1");
    const res = await call("u-1", "POST", "/v1/contacts", {
      givenName: "Ada",
      familyName: "Lovelace",
      phones: [{ value: "020 7946 0000", type: "work" }, { value: "ext 12" }],
      emails: [{ value: "Ada@Example.org" }],
    });
    expect(res.status).toBe(201);
    expect(res.body.phones).toEqual([
      { value: "020 7946 0000", type: "work", e164: "+442079460000", valid: true },
      { value: "ext 12", type: "other", e164: null, valid: false },
    ]);
    expect(res.body.syncState).toBe("pending");
    expect(publisher.messages).toEqual([
      { topic: "contact-sync", payload: { orgId: ORG, userId: "u-1", reason: "api" } },
    ]);
    expect(orderingKeys).toEqual([`${ORG}/u-1`]);
  });

  it.each([
    [{ emails: [{ value: "not-an-email" }] }, "emails.0.value"],
    [{ givenName: "x".repeat(201) }, "givenName"],
    [
      { phones: Array.from({ length: 21 }, (_, i) => ({ value: `020 7946 ${String(i).padStart(4, "0")}` })) },
      "phones",
    ],
    [{ givenName: 42 }, "givenName"],
    [{ givenName: "A", colour: "red" }, ""],
    [{}, "givenName"],
  ])("refuses %j with a 400 naming %s, and writes nothing", async (body, field) => {
    const before = await contactsOf("u-bad");
    const res = await call("u-bad", "POST", "/v1/contacts", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(await contactsOf("u-bad")).toBe(before);
    expect(publisher.messages).toEqual([]);
  });

  it("edits with If-Match and answers 412 to a stale etag, without writing", async () => {
    const created = await call("u-2", "POST", "/v1/contacts", {
      givenName: "Etag",
      phones: [{ value: "020 7946 0001" }],
    });
    const ok = await call(
      "u-2",
      "PATCH",
      `/v1/contacts/${created.body.id}`,
      { familyName: "Fresh" },
      { "if-match": created.etag! },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.displayName).toBe("Etag Fresh");
    const stale = await call(
      "u-2",
      "PATCH",
      `/v1/contacts/${created.body.id}`,
      { familyName: "Stale" },
      { "if-match": created.etag! },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("precondition_failed");
    expect((await call("u-2", "GET", `/v1/contacts/${created.body.id}`)).body.familyName).toBe("Fresh");
  });

  it("never shows one user's contact to another", async () => {
    const created = await call("u-3", "POST", "/v1/contacts", {
      givenName: "Private",
      phones: [{ value: "020 7946 0002" }],
    });
    expect((await call("u-4", "GET", `/v1/contacts/${created.body.id}`)).status).toBe(404);
    expect((await call("u-4", "PATCH", `/v1/contacts/${created.body.id}`, { givenName: "X" })).status).toBe(
      404,
    );
    expect((await call("u-4", "DELETE", `/v1/contacts/${created.body.id}`)).status).toBe(404);
    expect((await call("u-4", "GET", "/v1/contacts/lookup?phone=02079460002")).body.contact).toBeNull();
    expect((await call(undefined, "GET", "/v1/contacts")).status).toBe(401);
  });

  it("links a second contact with the same number instead of duplicating it", async () => {
    await call("u-5", "POST", "/v1/contacts", { givenName: "Link", phones: [{ value: "020 7946 0003" }] });
    const again = await call("u-5", "POST", "/v1/contacts", {
      givenName: "Other",
      phones: [{ value: "+44 20 7946 0003" }],
      emails: [{ value: "l@x.org" }],
    });
    expect(again.status).toBe(200);
    expect(again.body.linked).toBe(true);
    expect(again.body.emails).toEqual([{ value: "l@x.org", type: "other" }]);
    expect(await contactsOf("u-5")).toBe(1);
  });

  it("deletes to a tombstone: gone from reads, search and caller-ID", async () => {
    const created = await call("u-6", "POST", "/v1/contacts", {
      givenName: "Doomed",
      phones: [{ value: "020 7946 0004" }],
    });
    expect((await call("u-6", "DELETE", `/v1/contacts/${created.body.id}`)).status).toBe(204);
    expect((await call("u-6", "GET", `/v1/contacts/${created.body.id}`)).status).toBe(404);
    expect((await call("u-6", "GET", "/v1/contacts/search?q=doo")).body.contacts).toEqual([]);
    expect((await call("u-6", "GET", "/v1/contacts/lookup?phone=02079460004")).body.contact).toBeNull();
    expect(publisher.messages).toHaveLength(2);
  });

  it("finds contacts by name, email and phone-digit prefixes", async () => {
    await call("u-7", "POST", "/v1/contacts", {
      givenName: "Grace",
      familyName: "Hopper",
      phones: [{ value: "020 7946 0005" }],
      emails: [{ value: "amazing@navy.example" }],
    });
    for (const q of ["gra", "hop", "amaz", "+44 20 79", "0207946", "4420"]) {
      const res = await call("u-7", "GET", `/v1/contacts/search?q=${encodeURIComponent(q)}`);
      expect(
        res.body.contacts.map((c: { displayName: string }) => c.displayName),
        q,
      ).toEqual(["Grace Hopper"]);
    }
    expect((await call("u-7", "GET", "/v1/contacts/search?q=")).status).toBe(400);
  });

  it("stores and finds a name made of emoji and other astral characters (prefixes end on whole characters)", async () => {
    // 17 emoji: longer than the prefix length, so the last indexed prefix would split a surrogate pair.
    const name = "😀".repeat(17);
    const created = await call("u-7b", "POST", "/v1/contacts", { givenName: name, familyName: "𝒳𝒴" });
    expect(created.status).toBe(201);
    for (const q of ["😀", name, "𝒳"]) {
      const res = await call("u-7b", "GET", `/v1/contacts/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(
        res.body.contacts.map((c: { displayName: string }) => c.displayName),
        q,
      ).toEqual([`${name} 𝒳𝒴`]);
    }
  });

  it("identifies a caller from any common format, preferring a personal contact to a company one", async () => {
    const repo = firestoreContactRepository(db, { orgId: ORG, userId: "u-8" });
    const fields = normaliseFields(
      { givenName: "Company", familyName: "Colleague", phones: [{ value: "020 7946 0006" }] },
      "GB",
    );
    const company = newContact("d-1", "company", fields, new Date(), null);
    await repo.mutate(company.id, () => ({ ...company, pendingPush: false }));
    expect((await call("u-8", "GET", "/v1/contacts/lookup?phone=%2B442079460006")).body.contact.kind).toBe(
      "company",
    );
    await call("u-8", "POST", "/v1/contacts", {
      givenName: "Personal",
      phones: [{ value: "+44 (0)20 7946 0006" }],
    });
    for (const phone of ["+442079460006", "020 7946 0006", "0044 20 7946 0006", "442079460006"]) {
      const res = await call("u-8", "GET", `/v1/contacts/lookup?phone=${encodeURIComponent(phone)}`);
      expect(res.body, phone).toMatchObject({
        e164: "+442079460006",
        matches: 2,
        contact: { displayName: "Personal", kind: "personal" },
      });
    }
    expect((await call("u-8", "PATCH", "/v1/contacts/d-1", { givenName: "X" })).status).toBe(403);
    expect((await call("u-8", "GET", "/v1/contacts/lookup?phone=abc")).status).toBe(400);
  });

  it("pages through contacts with a cursor and filters by kind", async () => {
    for (const name of ["Cara", "Abe", "Bea"]) await call("u-9", "POST", "/v1/contacts", { givenName: name });
    const first = await call("u-9", "GET", "/v1/contacts?limit=2&kind=personal");
    expect(first.body.contacts.map((c: { displayName: string }) => c.displayName)).toEqual(["Abe", "Bea"]);
    const second = await call("u-9", "GET", `/v1/contacts?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.contacts.map((c: { displayName: string }) => c.displayName)).toEqual(["Cara"]);
    expect(second.body.nextCursor).toBeNull();
    expect((await call("u-9", "GET", "/v1/contacts?kind=company")).body.contacts).toEqual([]);
    expect((await call("u-9", "GET", "/v1/contacts?kind=other")).status).toBe(400);
  });

  it("refuses a cursor it did not issue with 400 invalid_cursor, and reads the cursors it issued before", async () => {
    for (const name of ["Dan", "Eve"]) await call("u-10", "POST", "/v1/contacts", { givenName: name });
    for (const cursor of ["%%%", "bm90IGEgY3Vyc29y", "x".repeat(5000)]) {
      const res = await call("u-10", "GET", `/v1/contacts?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_cursor", details: { parameter: "cursor" } });
    }
    // The format before: base64url of the sort key (lower-cased name, NUL, id) of the last contact shown.
    const [dan] = (await call("u-10", "GET", "/v1/contacts?limit=1")).body.contacts;
    const before = Buffer.from(`dan\u0000${dan.id}`).toString("base64url");
    const next = await call("u-10", "GET", `/v1/contacts?cursor=${before}`);
    expect(next.body.contacts.map((c: { displayName: string }) => c.displayName)).toEqual(["Eve"]);
  });

  it("refuses a create beyond 25,000 personal contacts, writing nothing", async () => {
    const repo = firestoreContactRepository(db, { orgId: ORG, userId: "u-full" });
    const full = { ...repo, countLive: async () => 25_000 };
    await expect(createContact(full, { givenName: "One Too Many" }, "GB", new Date())).rejects.toMatchObject({
      code: "conflict",
    });
    expect(await contactsOf("u-full")).toBe(0);
  });

  it("syncs on request (202 with the sync state), debounces a repeat within 30 s, and refuses a user without Contacts", async () => {
    connectedUsers.add("u-sync");
    const first = await call("u-sync", "POST", "/v1/contacts/sync");
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      requested: true,
      requestedAt: clockNow.toISOString(),
      sync: { state: "never_synced", lastSyncAt: null },
    });
    expect(publisher.messages).toEqual([
      { topic: "contact-sync", payload: { orgId: ORG, userId: "u-sync", reason: "user" } },
    ]);
    expect(orderingKeys).toEqual([`${ORG}/u-sync`]);

    clockNow = new Date(clockNow.getTime() + 10_000);
    const repeat = await call("u-sync", "POST", "/v1/contacts/sync");
    expect(repeat.status).toBe(202);
    expect(repeat.body).toMatchObject({ requested: false, retryAfterSeconds: 20 });
    expect(publisher.messages).toHaveLength(1);

    clockNow = new Date(clockNow.getTime() + 20_000);
    expect((await call("u-sync", "POST", "/v1/contacts/sync")).body.requested).toBe(true);
    expect(publisher.messages).toHaveLength(2);

    const notConnected = await call("u-none", "POST", "/v1/contacts/sync");
    expect(notConnected.status).toBe(409);
    expect(notConnected.body.error).toMatchObject({
      code: "conflict",
      details: { reason: "integration_not_connected" },
    });
    expect(publisher.messages).toHaveLength(2);
  });
});

describe("after Contacts is disconnected", () => {
  it("shows personal contacts as local contacts, kept with their numbers, and synced again once reconnected", async () => {
    connectedUsers.add("u-disc");
    const made = await call("u-disc", "POST", "/v1/contacts", {
      givenName: "Kept",
      phones: [{ value: "020 7946 0555" }],
    });
    expect(made.body.syncState).toBe("pending");
    connectedUsers.delete("u-disc");
    const after = await call("u-disc", "GET", `/v1/contacts/${made.body.id}`);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ syncState: "local", phones: [{ e164: "+442079460555" }] });
    const listed = await call("u-disc", "GET", "/v1/contacts");
    expect(listed.body.contacts.map((c: { syncState: string }) => c.syncState)).toEqual(["local"]);
    connectedUsers.add("u-disc");
    expect((await call("u-disc", "GET", `/v1/contacts/${made.body.id}`)).body.syncState).toBe("pending");
  });
});
