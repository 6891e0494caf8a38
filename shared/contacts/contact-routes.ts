// The contacts API (every route access: "user"; a user only ever reaches their own collection, so
// another user's contact id is simply not found):
//   GET    /v1/contacts?kind=personal|company&limit=&cursor=   page through contacts
//   GET    /v1/contacts/search?q=                             prefix search: names, emails, phone digits
//   GET    /v1/contacts/lookup?phone=                         caller-ID for a number in any common format
//   GET    /v1/contacts/:id                                   one contact (ETag)
//   POST   /v1/contacts                                       create (or link to a contact with the same number/email)
//   PATCH  /v1/contacts/:id                                   edit (If-Match; stale → 412)
//   DELETE /v1/contacts/:id                                   delete (a tombstone; If-Match honoured)
//   POST   /v1/contacts/sync                                  sync now (debounced), 202 with the sync state
// Every change is pushed to Google by a contact-sync message (ordering key = the user).
import { z } from "zod";
import { AppError } from "../platform/errors";
import { type HttpResult, type Principal, principalOf, type Route, route } from "../platform/http";
import type { Logger } from "../platform/logger";
import { pageCursor } from "../platform/page-cursor";
import type { EventPublisher } from "../platform/pubsub";
import { firstCodePoints } from "../platform/text";
import { bestMatch, createContact, deleteContact, etagOf, updateContact } from "./contact-commands";
import { ContactInput, SEARCH_PREFIX_CHARS } from "./contact-model";
import type { ContactRepository, StoredContact } from "./contact-repository";
import { requestContactSync } from "./contact-sync-messages";
import type { SyncRequestOutcome } from "./contact-sync-schedule";
import type { ContactSyncStatus } from "./contact-sync-status";
import { ContactSyncStatusSchema } from "./contact-sync-status";
import { digitsOf, toE164 } from "./phone-rules";

export interface ContactRoutesDeps {
  contacts(user: { orgId: string; userId: string }): ContactRepository;
  region(orgId: string): Promise<string>;
  publisher: EventPublisher;
  clock?: () => Date;
  /** POST /v1/contacts/sync: the user's sync request (debounced), the sync state, and the grant's state. */
  syncNow: {
    request(user: { orgId: string; userId: string }, now: Date): Promise<SyncRequestOutcome>;
    status(user: { orgId: string; userId: string }): Promise<ContactSyncStatus>;
    connected(user: { orgId: string; userId: string }): Promise<boolean>;
    /**
     * Opening a contact: when the last sync is older than a few minutes, ask for one (debounced), so
     * what Google changed shows up without waiting for the schedule. Best effort.
     */
    refreshIfStale?(user: { orgId: string; userId: string }, now: Date): Promise<unknown>;
  };
}

/**
 * A contact as the API shows it. `googleConnected`: whether the owner's Contacts integration is connected;
 * after a disconnect, personal contacts stay as local contacts (their Google links are kept, so a
 * reconnect relinks them instead of duplicating), and say so.
 */
/** A contact as the API answers it (the schema the description publishes and the tests check). */
export const ContactAnswer = z.object({
  id: z.string(),
  kind: z.enum(["personal", "company"]),
  readOnly: z.boolean(),
  displayName: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  phones: z.array(
    z.object({ value: z.string(), type: z.string(), e164: z.string().nullable(), valid: z.boolean() }),
  ),
  emails: z.array(z.object({ value: z.string(), type: z.string() })),
  etag: z.string(),
  syncState: z.enum(["directory", "local", "pending", "synced"]),
  updatedAt: z.string(),
});
const ContactList = z.object({ contacts: z.array(ContactAnswer), nextCursor: z.string().nullable() });
const ContactMatches = z.object({ contacts: z.array(ContactAnswer) });
const CallerIdAnswer = z.object({
  e164: z.string(),
  contact: ContactAnswer.nullable(),
  matches: z.number().int(),
});

export function contactView(c: StoredContact, googleConnected = true): z.infer<typeof ContactAnswer> {
  return {
    id: c.id,
    kind: c.kind,
    readOnly: c.kind === "company",
    displayName: c.displayName,
    givenName: c.fields.givenName,
    familyName: c.fields.familyName,
    phones: c.fields.phones.map((p) => ({
      value: p.value,
      type: p.type,
      e164: p.e164,
      valid: p.e164 !== null,
    })),
    emails: c.fields.emails,
    etag: etagOf(c),
    syncState:
      c.kind === "company"
        ? "directory"
        : !googleConnected
          ? "local"
          : c.pendingPush
            ? "pending"
            : c.google
              ? "synced"
              : "local",
    updatedAt: c.updatedAt.toISOString(),
  };
}

const MAX_PAGE = 200;

function badQuery(field: string, message: string): AppError {
  return new AppError("validation_failed", `${field}: ${message}`, {
    details: { issues: [{ path: field, message }] },
  });
}

/** A page ends at its last contact's sort key (lower-cased name, NUL, id). */
const contactsCursor = pageCursor("contacts", z.string().min(1), {
  // The format before: base64url of the sort key itself (it always holds the NUL).
  legacy: (text) => {
    const sortKey = Buffer.from(text, "base64url").toString("utf8");
    return /^[\w-]+$/.test(text) && sortKey.includes("\u0000") ? sortKey : undefined;
  },
});

function limitOf(raw: string | null, max: number, fallback: number): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badQuery("limit", `an integer from 1 to ${max}`);
  return n;
}

const ifMatchOf = (headers: Record<string, string | string[] | undefined>): string | undefined => {
  const v = headers["if-match"];
  return Array.isArray(v) ? v[0] : v;
};

const IdParam = z.string().regex(/^[\w-]{1,200}$/);

export function contactRoutes(deps: ContactRoutesDeps): Route[] {
  const now = () => (deps.clock ?? (() => new Date()))();
  const repoOf = (p: Principal) => deps.contacts({ orgId: p.orgId, userId: p.userId });
  const idOf = (params: Record<string, string>) => {
    const parsed = IdParam.safeParse(params.id);
    if (!parsed.success) throw new AppError("not_found", "No such contact");
    return parsed.data;
  };
  const pushSoon = async (p: Principal, log: Logger) => {
    try {
      await requestContactSync(deps.publisher, p, "api");
    } catch (error) {
      // The change is stored and marked pending: the next scheduled sync pushes it.
      log.warn("contacts.sync_request_failed", { error });
    }
  };
  const withEtag = (c: StoredContact, connected: boolean, status = 200): HttpResult => ({
    status,
    body: contactView(c, connected),
    headers: { etag: etagOf(c) },
  });
  /** Read beside the route's own work; a failed read shows the stored state rather than failing. */
  const googleConnected = (p: { orgId: string; userId: string }) =>
    deps.syncNow.connected({ orgId: p.orgId, userId: p.userId }).catch(() => true);

  return [
    route({
      method: "GET",
      path: "/v1/contacts",
      access: "user",
      summary: "The caller's contacts (personal and company), in name order, with cursor pagination",
      query: {
        kind: { description: "personal or company (default both)" },
        limit: { description: `page size, 1–${MAX_PAGE}` },
        cursor: { description: "nextCursor of the previous page" },
      },
      success: {
        status: 200,
        description: "{ contacts: Contact[], nextCursor: string | null }",
        schema: ContactList,
      },
      async handler(ctx) {
        const kind = ctx.query.get("kind");
        if (kind !== null && kind !== "personal" && kind !== "company")
          throw badQuery("kind", "personal or company");
        const limit = limitOf(ctx.query.get("limit"), MAX_PAGE, 50);
        const principal = principalOf(ctx);
        const [contacts, connected] = await Promise.all([
          repoOf(principal).list({ kind: kind ?? undefined, limit, after: contactsCursor.read(ctx.query) }),
          googleConnected(principal),
        ]);
        const last = contacts.at(-1);
        return {
          body: {
            contacts: contacts.map((c) => contactView(c, connected)),
            nextCursor: contacts.length === limit && last ? contactsCursor.encode(last.sortKey) : null,
          },
        };
      },
    }),
    route({
      method: "GET",
      path: "/v1/contacts/search",
      access: "user",
      summary: "Prefix search over names, emails and phone digits",
      query: {
        q: { description: "what to search for (required, at most 100 characters)" },
        limit: { description: "how many, 1–50" },
      },
      success: { status: 200, description: "{ contacts: Contact[] }", schema: ContactMatches },
      async handler(ctx) {
        const q = (ctx.query.get("q") ?? "").trim();
        if (!q) throw badQuery("q", "required");
        if (q.length > 100) throw badQuery("q", "at most 100 characters");
        const limit = limitOf(ctx.query.get("limit"), 50, 20);
        // A query of digits and phone punctuation searches numbers; anything else names and emails.
        const term = /^[\d\s+().-]+$/.test(q) ? digitsOf(q) : (q.toLowerCase().split(/\s+/)[0] ?? "");
        if (!term) throw badQuery("q", "no searchable characters");
        const principal = principalOf(ctx);
        const [found, connected] = await Promise.all([
          repoOf(principal).search(firstCodePoints(term, SEARCH_PREFIX_CHARS), limit),
          googleConnected(principal),
        ]);
        return { body: { contacts: found.map((c) => contactView(c, connected)) } };
      },
    }),
    route({
      method: "GET",
      path: "/v1/contacts/lookup",
      access: "user",
      summary:
        "Caller-ID: the best contact (personal first, then company) for a phone number in any common format",
      query: { phone: { description: "the number, in any common format (required)", maxLength: 64 } },
      success: {
        status: 200,
        description: "{ e164, contact: Contact | null, matches }",
        schema: CallerIdAnswer,
      },
      async handler(ctx) {
        const phone = ctx.query.get("phone");
        if (!phone) throw badQuery("phone", "required");
        if (phone.length > 64) throw badQuery("phone", "at most 64 characters");
        const principal = principalOf(ctx);
        const e164 = toE164(phone, await deps.region(principal.orgId));
        if (!e164) throw badQuery("phone", "not a phone number");
        const [candidates, connected] = await Promise.all([
          repoOf(principal).byPhone(e164, 20),
          googleConnected(principal),
        ]);
        const best = bestMatch(candidates);
        return {
          body: { e164, contact: best ? contactView(best, connected) : null, matches: candidates.length },
        };
      },
    }),
    route({
      method: "POST",
      path: "/v1/contacts/sync",
      access: "user",
      summary:
        "Sync the caller's contacts with Google now (People has no push). Debounced: a request within a few seconds of the last accepted one enqueues nothing (requested: false, retryAfterSeconds). 409 when Contacts is not connected",
      success: {
        status: 202,
        description:
          "{ requested: boolean, requestedAt, retryAfterSeconds?, sync: { state, lastSyncAt, lastFullSyncAt, lastError, lastErrorAt } }",
        schema: z.object({
          requested: z.boolean(),
          requestedAt: z.iso.datetime(),
          retryAfterSeconds: z.number().int().min(0).optional(),
          sync: ContactSyncStatusSchema,
        }),
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const user = { orgId: principal.orgId, userId: principal.userId };
        if (!(await deps.syncNow.connected(user)))
          throw new AppError("conflict", "Contacts is not connected; connect it at /v1/integrations first", {
            details: { reason: "integration_not_connected", integration: "contacts" },
          });
        let outcome: SyncRequestOutcome;
        try {
          outcome = await deps.syncNow.request(user, now());
        } catch (error) {
          if (error instanceof AppError) throw error;
          throw new AppError("upstream_unavailable", "Could not enqueue the sync; try again", {
            cause: error,
          });
        }
        const sync = await deps.syncNow.status(user);
        return {
          status: 202,
          body: { ...outcome, requestedAt: outcome.requestedAt.toISOString(), sync },
          ...(outcome.requested ? {} : { headers: { "retry-after": String(outcome.retryAfterSeconds) } }),
        };
      },
    }),
    route({
      method: "GET",
      path: "/v1/contacts/:id",
      access: "user",
      summary: "One contact, with its ETag",
      success: { status: 200, description: "Contact", schema: ContactAnswer },
      async handler(ctx) {
        const id = idOf(ctx.params);
        const principal = principalOf(ctx);
        const [contact, connected] = await Promise.all([
          repoOf(principal).get(id),
          googleConnected(principal),
        ]);
        if (!contact || contact.deleted) throw new AppError("not_found", `No contact ${id}`);
        await deps.syncNow
          .refreshIfStale?.({ orgId: principal.orgId, userId: principal.userId }, now())
          .catch((error: unknown) =>
            ctx.log.warn("contacts.refresh_not_requested", { error: String(error) }),
          );
        return withEtag(contact, connected);
      },
    }),
    route({
      method: "POST",
      path: "/v1/contacts",
      access: "user",
      body: ContactInput,
      summary:
        "Create a personal contact; one with the same number or email is linked (merged) instead of duplicated",
      success: {
        status: 201,
        description: "Contact (200 with linked: true when merged into an existing one)",
        schema: ContactAnswer.extend({ linked: z.boolean() }),
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const region = await deps.region(principal.orgId);
        const { contact, linked } = await createContact(repoOf(principal), ctx.body, region, now());
        const [connected] = await Promise.all([googleConnected(principal), pushSoon(principal, ctx.log)]);
        return {
          ...withEtag(contact, connected, linked ? 200 : 201),
          body: { ...contactView(contact, connected), linked },
        };
      },
    }),
    route({
      method: "PATCH",
      path: "/v1/contacts/:id",
      access: "user",
      body: ContactInput,
      summary:
        "Edit a personal contact: the fields given replace the stored ones (If-Match: a stale etag is 412)",
      success: { status: 200, description: "Contact", schema: ContactAnswer },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const region = await deps.region(principal.orgId);
        const contact = await updateContact(
          repoOf(principal),
          idOf(ctx.params),
          ctx.body,
          ifMatchOf(ctx.headers),
          region,
          now(),
        );
        const [connected] = await Promise.all([googleConnected(principal), pushSoon(principal, ctx.log)]);
        return withEtag(contact, connected);
      },
    }),
    route({
      method: "DELETE",
      path: "/v1/contacts/:id",
      access: "user",
      summary: "Delete a personal contact (here and in Google; never brought back by a later sync)",
      success: { status: 204, description: "Deleted" },
      async handler(ctx) {
        const principal = principalOf(ctx);
        await deleteContact(repoOf(principal), idOf(ctx.params), ifMatchOf(ctx.headers), now());
        await pushSoon(principal, ctx.log);
        return { status: 204 };
      },
    }),
  ];
}
