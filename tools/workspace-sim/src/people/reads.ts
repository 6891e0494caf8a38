// people.get, people.getBatchGet and searchContacts (which reads a cache that only a warm-up request
// with an empty query refreshes, as Google documents). get and getBatchGet lag writes: right after an
// update they may still answer the previous version and etag (readAfterWriteLagMs).
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { invalidArgument, notFound } from "../errors";
import { renderDirectoryPerson } from "./directory-person";
import { parseMask, renderContact, searchableText } from "./person";
import { chargePeople } from "./quota";

export function getPerson(ctx: ApiContext): ApiResult {
  const { user } = callerUser(ctx);
  const mask = parseMask(ctx.url.searchParams.get("personFields"), "personFields", true);
  chargePeople(ctx, user.id, 1, 0);
  const person = lookup(ctx, `people/${ctx.params.id}`, mask);
  if (!person) throw notFound();
  return { json: person };
}

export function getBatchGet(ctx: ApiContext): ApiResult {
  const { user } = callerUser(ctx);
  const q = ctx.url.searchParams;
  const mask = parseMask(q.get("personFields"), "personFields", true);
  const names = q.getAll("resourceNames");
  if (names.length === 0) throw invalidArgument("resourceNames must not be empty.");
  if (names.length > 200) throw invalidArgument("Too many resource names. The maximum is 200.");
  chargePeople(ctx, user.id, 1, 0);
  const responses = names.map((requestedResourceName) => {
    const person = lookup(ctx, requestedResourceName, mask);
    return person
      ? { httpStatusCode: 200, person, requestedResourceName, status: {} }
      : {
          httpStatusCode: 404,
          requestedResourceName,
          status: { code: 5, message: "Requested entity was not found." },
        };
  });
  return { json: { responses } };
}

export function searchContacts(ctx: ApiContext): ApiResult {
  const { user } = callerUser(ctx);
  const q = ctx.url.searchParams;
  const mask = parseMask(q.get("readMask"), "readMask", true);
  const raw = q.get("pageSize");
  const pageSize =
    raw === null || raw === "" || raw === "0" ? 10 : Math.min(30, Math.max(1, Number(raw) || 10));
  chargePeople(ctx, user.id, 1, 0);
  const store = ctx.state.contactsOf(user.id);
  const query = (q.get("query") ?? "").trim().toLowerCase();
  if (query === "") {
    store.warmSearchCache();
    return { json: {} };
  }
  const digits = query.replace(/[^\d]/g, "");
  const results: Array<{ person: Record<string, unknown> }> = [];
  for (const record of store.searchCache) {
    const texts = searchableText(record.data);
    const hit = texts.some(
      (t) =>
        t.startsWith(query) ||
        t.includes(` ${query}`) ||
        (digits.length >= 3 && /^[\d+\s()-]+$/.test(query) && t.replace("+", "").includes(digits)),
    );
    if (hit) results.push({ person: renderContact(record, mask) });
    if (results.length >= pageSize) break;
  }
  return { json: results.length > 0 ? { results } : {} };
}

function lookup(
  ctx: ApiContext,
  resourceName: string,
  mask: Set<string> | undefined,
): Record<string, unknown> | undefined {
  const { org, user } = callerUser(ctx);
  if (resourceName === "people/me") return renderDirectoryPerson(org, user, mask, "PROFILE");
  const lag = ctx.state.settings.people.readAfterWriteLagMs;
  const contact = ctx.state.contactsOf(user.id).readable(resourceName, lag);
  if (contact) return renderContact(contact, mask);
  const colleague = org.directory.findUser(resourceName.replace(/^people\//, ""));
  if (colleague && colleague.deletionTime === undefined)
    return renderDirectoryPerson(org, colleague, mask, "DOMAIN_PROFILE");
  return undefined;
}
