// Contact writes: create, update (mask + etag required, stale etag refused), delete, and the batch
// variants with Google's limits (200 / 200 / 500). A failed batchUpdateContacts names every contact that
// failed (BatchUpdateContactsErrorDetails). One user's mutations must come one at a time: one arriving
// while another of theirs is in flight is refused ("send mutate requests sequentially").
import { type ApiContext, type ApiResult, callerUser } from "../api";
import { ApiError, invalidArgument, notFound } from "../errors";
import type { Org, SimState } from "../state";
import {
  type ContactRecord,
  checkSingletons,
  normalisePersonInput,
  type PersonData,
  parseMask,
  renderContact,
} from "./person";
import { chargePeople } from "./quota";

export const createContact = (ctx: ApiContext) => sequential(ctx, createOne);
export const updateContact = (ctx: ApiContext) => sequential(ctx, updateOne);
export const deleteContact = (ctx: ApiContext) => sequential(ctx, deleteOne);
export const batchCreateContacts = (ctx: ApiContext) => sequential(ctx, batchCreate);
export const batchUpdateContacts = (ctx: ApiContext) => sequential(ctx, batchUpdate);
export const batchDeleteContacts = (ctx: ApiContext) => sequential(ctx, batchDelete);

/** Users with a mutation in flight, per simulator. */
const mutating = new WeakMap<SimState, Set<string>>();

/**
 * Runs one mutation, holding the user's slot for `mutationLatencyMs` (real time: Google's writes take
 * a while). A second mutation for the same user meanwhile is refused with 429, which a client's backoff
 * outlives; Google's wire form for this is not documented (sim wording).
 */
async function sequential(ctx: ApiContext, work: (ctx: ApiContext) => Promise<ApiResult> | ApiResult) {
  const { user } = callerUser(ctx);
  const settings = ctx.state.settings.people;
  const busy = mutating.get(ctx.state) ?? new Set<string>();
  mutating.set(ctx.state, busy);
  if (settings.concurrentMutations === "refuse" && busy.has(user.id)) {
    throw new ApiError({
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      message:
        "Another mutate request for this user is in progress. Mutate requests for the same user should be sent sequentially.",
      reason: "rateLimitExceeded",
      infoReason: "CONCURRENT_MUTATIONS",
      infoDomain: "people.googleapis.com",
    });
  }
  busy.add(user.id);
  try {
    if (settings.mutationLatencyMs > 0) await new Promise((r) => setTimeout(r, settings.mutationLatencyMs));
    return await work(ctx);
  } finally {
    busy.delete(user.id);
  }
}

async function createOne(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const mask = parseMask(ctx.url.searchParams.get("personFields"), "personFields", false);
  const body = await ctx.jsonBody();
  const data = normalisePersonInput(body, org.defaultRegion);
  checkSingletons(data);
  chargePeople(ctx, user.id, 1, 1);
  const record = ctx.state.contactsOf(user.id).create(data);
  return { json: renderContact(record, mask) };
}

async function updateOne(ctx: ApiContext): Promise<ApiResult> {
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

function deleteOne(ctx: ApiContext): ApiResult {
  const { user } = callerUser(ctx);
  const store = ctx.state.contactsOf(user.id);
  const resourceName = `people/${ctx.params.id}`;
  if (!store.get(resourceName)) throw notFound();
  chargePeople(ctx, user.id, 0, 1);
  store.delete(resourceName);
  return { json: {} };
}

async function batchCreate(ctx: ApiContext): Promise<ApiResult> {
  const { org, user } = callerUser(ctx);
  const body = await ctx.jsonBody();
  const readMask = parseMask(stringField(body.readMask), "readMask", true);
  const contacts = Array.isArray(body.contacts) ? (body.contacts as Array<Record<string, unknown>>) : [];
  if (contacts.length === 0) throw invalidArgument("contacts must not be empty.");
  if (contacts.length > 200)
    throw invalidArgument("Too many contacts in the request. The maximum number of contacts is 200.");
  const datas = contacts.map((c, i) => {
    const data = normalisePersonInput((c.contactPerson ?? {}) as Record<string, unknown>, org.defaultRegion);
    try {
      checkSingletons(data);
    } catch (error) {
      // No per-contact error detail is documented for batchCreateContacts: the message names the entry.
      if (error instanceof ApiError)
        throw invalidArgument(`contacts[${i}].contactPerson: ${error.spec.message}`);
      throw error;
    }
    return data;
  });
  // The contacts guide's cost of a batch: 6 critical reads, 6 critical writes and one daily write per
  // contact (the daily quota has no published size and is not simulated).
  chargePeople(ctx, user.id, 6, 6);
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

/**
 * All-or-nothing: every entry is validated (found, fresh etag) before any is written; when some fail,
 * the error carries BatchUpdateContactsErrorDetails naming each failed contact (people reference).
 */
async function batchUpdate(ctx: ApiContext): Promise<ApiResult> {
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
  const contactErrors = new Map<string, ApiError>();
  const planned = entries.flatMap(([resourceName, person]) => {
    try {
      const current = store.get(resourceName);
      if (!current) throw notFound(`Requested entity was not found: ${resourceName}`);
      checkEtag(current, person);
      return [{ resourceName, fields: maskedFields(person, updateMask, org) }];
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      contactErrors.set(resourceName, error);
      return [];
    }
  });
  if (contactErrors.size > 0) throw new BatchUpdateContactsError(contactErrors);
  chargePeople(ctx, user.id, 6, 6); // as batchCreateContacts
  const updateResult: Record<string, unknown> = {};
  for (const { resourceName, fields } of planned) {
    updateResult[resourceName] = {
      httpStatusCode: 200,
      person: renderContact(store.update(resourceName, fields), readMask),
    };
  }
  return { json: { updateResult } };
}

async function batchDelete(ctx: ApiContext): Promise<ApiResult> {
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

/** gRPC codes for a google.rpc.Status, by HTTP status. */
const RPC_CODES: Record<string, number> = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, FAILED_PRECONDITION: 9 };

/** The batch's error: the first failure's status, and a Status per failed contact in the details. */
class BatchUpdateContactsError extends ApiError {
  constructor(private readonly contactErrors: Map<string, ApiError>) {
    const first = [...contactErrors.values()][0]!.spec;
    super({
      ...first,
      message: `${contactErrors.size} of the contacts could not be updated; see BatchUpdateContactsErrorDetails.`,
    });
  }

  override body(): ReturnType<ApiError["body"]> {
    const body = super.body();
    const contactErrors: Record<string, unknown> = {};
    for (const [resourceName, error] of this.contactErrors) {
      contactErrors[resourceName] = {
        code: RPC_CODES[error.spec.status] ?? 2,
        message: error.spec.message,
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: error.spec.infoReason ?? error.spec.reason,
            domain: "people.googleapis.com",
          },
        ],
      };
    }
    const detail = {
      "@type": "type.googleapis.com/google.people.v1.BatchUpdateContactsErrorDetails",
      contactErrors,
    };
    const details: unknown[] = [...("details" in body.error ? body.error.details : []), detail];
    return { error: { ...body.error, details } } as ReturnType<ApiError["body"]>;
  }
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
