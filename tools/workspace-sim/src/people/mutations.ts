// Contact writes: create, update (mask + etag required, stale etag refused), delete, and the batch
// variants with Google's limits (200 / 200 / 500).
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import type { Org } from "../state";
import {
  type ContactRecord,
  checkSingletons,
  normalisePersonInput,
  type PersonData,
  parseMask,
  renderContact,
} from "./person";
import { chargePeople } from "./quota";

export async function createContact(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const mask = parseMask(ctx.url.searchParams.get("personFields"), "personFields", false);
  const body = await ctx.jsonBody();
  const data = normalisePersonInput(body, org.defaultRegion);
  checkSingletons(data);
  chargePeople(ctx, user.id, 1, 1);
  const record = ctx.state.contactsOf(user.id).create(data);
  return { json: renderContact(record, mask) };
}

export async function updateContact(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const q = ctx.url.searchParams;
  const updateMask = parseMask(q.get("updatePersonFields"), "updatePersonFields", true)!;
  const mask = parseMask(q.get("personFields"), "personFields", false);
  const body = await ctx.jsonBody();
  const store = ctx.state.contactsOf(user.id);
  const resourceName = `people/${ctx.params.id}`;
  const current = store.get(resourceName);
  if (!current) throw notFound();
  checkEtag(current, body);
  const fields = maskedFields(body, updateMask, org);
  chargePeople(ctx, user.id, 1, 1);
  return { json: renderContact(store.update(resourceName, fields), mask) };
}

export function deleteContact(ctx: ApiContext): ApiResult {
  const { user } = callerUser(ctx);
  const store = ctx.state.contactsOf(user.id);
  const resourceName = `people/${ctx.params.id}`;
  if (!store.get(resourceName)) throw notFound();
  chargePeople(ctx, user.id, 0, 1);
  store.delete(resourceName);
  return { json: {} };
}

export async function batchCreateContacts(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const body = await ctx.jsonBody();
  const readMask = parseMask(stringField(body.readMask), "readMask", true);
  const contacts = Array.isArray(body.contacts) ? (body.contacts as Array<Record<string, unknown>>) : [];
  if (contacts.length === 0) throw invalidArgument("contacts must not be empty.");
  if (contacts.length > 200)
    throw invalidArgument("Too many contacts in the request. The maximum number of contacts is 200.");
  const datas = contacts.map((c) => {
    const data = normalisePersonInput((c.contactPerson ?? {}) as Record<string, unknown>, org.defaultRegion);
    checkSingletons(data);
    return data;
  });
  chargePeople(ctx, user.id, 6, 6 + contacts.length);
  const store = ctx.state.contactsOf(user.id);
  const createdPeople = datas.map((data) => {
    const record = store.create(data);
    return {
      requestedResourceName: record.resourceName,
      httpStatusCode: 200,
      person: renderContact(record, readMask),
    };
  });
  return { json: { createdPeople } };
}

/** All-or-nothing: every entry is validated (found, fresh etag) before any is written. */
export async function batchUpdateContacts(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const body = await ctx.jsonBody();
  const updateMask = parseMask(stringField(body.updateMask), "updateMask", true)!;
  const readMask = parseMask(stringField(body.readMask), "readMask", true);
  const contacts = (body.contacts ?? {}) as Record<string, Record<string, unknown>>;
  const entries = Object.entries(contacts);
  if (entries.length === 0) throw invalidArgument("contacts must not be empty.");
  if (entries.length > 200)
    throw invalidArgument("Too many contacts in the request. The maximum number of contacts is 200.");
  const store = ctx.state.contactsOf(user.id);
  const planned = entries.map(([resourceName, person]) => {
    const current = store.get(resourceName);
    if (!current) throw notFound(`Requested entity was not found: ${resourceName}`);
    checkEtag(current, person);
    return { resourceName, fields: maskedFields(person, updateMask, org) };
  });
  chargePeople(ctx, user.id, 6, 6 + entries.length);
  const updateResult: Record<string, unknown> = {};
  for (const { resourceName, fields } of planned) {
    updateResult[resourceName] = {
      httpStatusCode: 200,
      person: renderContact(store.update(resourceName, fields), readMask),
    };
  }
  return { json: { updateResult } };
}

export async function batchDeleteContacts(ctx: ApiContext): Promise<ApiResult> {
  const { user } = callerUser(ctx);
  const body = await ctx.jsonBody();
  const names = Array.isArray(body.resourceNames) ? (body.resourceNames as unknown[]).map(String) : [];
  if (names.length === 0) throw invalidArgument("resourceNames must not be empty.");
  if (names.length > 500)
    throw invalidArgument("Too many resource names in the request. The maximum is 500.");
  const store = ctx.state.contactsOf(user.id);
  for (const name of names) {
    if (!/^people\/c\d+$/.test(name)) throw invalidArgument(`Resource name "${name}" is not valid.`);
    if (!store.get(name)) throw notFound(`Requested entity was not found: ${name}`);
  }
  chargePeople(ctx, user.id, 0, 10);
  for (const name of new Set(names)) store.delete(name);
  return { json: {} };
}

function checkEtag(current: ContactRecord, person: Record<string, unknown>): void {
  const metadata = (person.metadata ?? {}) as { sources?: Array<{ type?: string; etag?: string }> };
  const personEtag = typeof person.etag === "string" ? person.etag : undefined;
  const sourceEtag = metadata.sources?.find((s) => s.type === "CONTACT" && typeof s.etag === "string")?.etag;
  if (personEtag === undefined && sourceEtag === undefined) {
    throw invalidArgument(
      "Request must set person.etag or person.metadata.sources.etag for the source that is being updated.",
    );
  }
  const fresh = personEtag !== undefined ? personEtag === current.etag : sourceEtag === current.sourceEtag;
  if (!fresh) {
    throw new ApiError({
      code: 400,
      status: "FAILED_PRECONDITION",
      message:
        "Request person.etag is different than the current person.etag. Clear local cache and get the latest person.",
      reason: "failedPrecondition",
      infoReason: "FAILED_PRECONDITION",
      infoDomain: "people.googleapis.com",
    });
  }
}

/** The fields named in the mask, taken from the body; a masked field absent from the body is cleared. */
function maskedFields(person: Record<string, unknown>, mask: Set<string>, org: Org): PersonData {
  const fields = normalisePersonInput(person, org.defaultRegion, mask);
  for (const f of mask) fields[f] ??= [];
  checkSingletons(fields);
  return fields;
}

const stringField = (v: unknown) => (typeof v === "string" ? v : Array.isArray(v) ? v.join(",") : undefined);
