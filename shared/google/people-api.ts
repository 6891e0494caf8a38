// The People API port (what contact sync needs from Google Contacts) and its adapter over
// @googleapis/people. Every call goes through withGoogleRetry (429/5xx back off, honouring
// Retry-After); what is left is translated into the three outcomes the sync engine decides on:
// an expired sync token, a stale etag, a person that is gone. Anything else is an AppError.
import type { people_v1 } from "@googleapis/people";
import { AppError } from "../platform/errors";
import { loadOnFirstUse } from "../platform/lazy-module";
import { clientOptions, type GoogleApiTarget, userAuthClient } from "./google-client-options";
import { classifyGoogleError, toAppError } from "./google-errors";
import { type RetryOptions, withGoogleRetry } from "./retry";
import type { TokenSource, TokenUser } from "./token-source";

/** A person as the sync engine sees it: the three synced fields, raw (normalised by the caller). */
export interface GooglePerson {
  resourceName: string;
  etag: string;
  deleted: boolean;
  /** Epoch ms of the contact source's last update (0 when Google did not say). */
  updatedAt: number;
  givenName: string;
  familyName: string;
  phones: Array<{ value: string; type: string }>;
  emails: Array<{ value: string; type: string }>;
  /** Our contact id, written into clientData on create, so a lost create response never duplicates. */
  switchboardId: string | undefined;
}

export interface PeoplePage {
  people: GooglePerson[];
  nextPageToken: string | undefined;
  /** Only on the last page of a listing that asked for one. */
  nextSyncToken: string | undefined;
}

export interface PageRequest {
  syncToken?: string | undefined;
  pageToken?: string | undefined;
  pageSize?: number;
}

export interface PersonWrite {
  givenName: string;
  familyName: string;
  phones: Array<{ value: string; type: string }>;
  emails: Array<{ value: string; type: string }>;
}

export interface PeopleApi {
  /** connections.list; throws ExpiredSyncTokenError when the token is dead. */
  listConnections(request: PageRequest): Promise<PeoplePage>;
  /** listDirectoryPeople (domain profiles); its own sync token. */
  listDirectory(request: PageRequest): Promise<PeoplePage>;
  get(resourceName: string): Promise<GooglePerson | undefined>;
  create(person: PersonWrite, switchboardId: string): Promise<GooglePerson>;
  /** Throws StaleEtagError or PersonGoneError. */
  update(resourceName: string, etag: string, person: PersonWrite): Promise<GooglePerson>;
  /** A person already gone counts as deleted. */
  delete(resourceName: string): Promise<void>;
  /** batchCreateContacts, at most BATCH_WRITE_LIMIT: the created people, in request order. */
  batchCreate(items: Array<{ person: PersonWrite; switchboardId: string }>): Promise<GooglePerson[]>;
  /**
   * batchUpdateContacts, at most BATCH_WRITE_LIMIT, all or nothing (one stale etag or missing person
   * fails the call): the updated people by resource name.
   */
  batchUpdate(
    items: Array<{ resourceName: string; etag: string; person: PersonWrite }>,
  ): Promise<Map<string, GooglePerson>>;
  /** batchDeleteContacts, at most BATCH_DELETE_LIMIT, all or nothing. */
  batchDelete(resourceNames: string[]): Promise<void>;
}

/** batchDeleteContacts takes at most 500: https://developers.google.com/people/api/rest/v1/people/batchDeleteContacts */
export const BATCH_DELETE_LIMIT = 500;

/** People's batch create and update take at most 200 contacts: https://developers.google.com/people/api/rest/v1/people/batchCreateContacts */
export const BATCH_WRITE_LIMIT = 200;

export class ExpiredSyncTokenError extends Error {
  override readonly name = "ExpiredSyncTokenError";
}
export class StaleEtagError extends Error {
  override readonly name = "StaleEtagError";
}
export class PersonGoneError extends Error {
  override readonly name = "PersonGoneError";
}

const PERSON_FIELDS = "names,phoneNumbers,emailAddresses,metadata,clientData";
const UPDATE_FIELDS = "names,phoneNumbers,emailAddresses";
const DIRECTORY_MASK = "names,phoneNumbers,emailAddresses,metadata";
const DIRECTORY_SOURCES = ["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"];
const CLIENT_DATA_KEY = "switchboardId";

export function toGooglePerson(p: people_v1.Schema$Person): GooglePerson {
  const name = p.names?.[0];
  const sourceTimes = (p.metadata?.sources ?? [])
    .map((s) => Date.parse(s.updateTime ?? ""))
    .filter(Number.isFinite);
  const unstructured =
    !name?.givenName && !name?.familyName ? (name?.unstructuredName ?? name?.displayName ?? "") : "";
  return {
    resourceName: p.resourceName ?? "",
    etag: p.etag ?? "",
    deleted: p.metadata?.deleted === true,
    updatedAt: sourceTimes.length ? Math.max(...sourceTimes) : 0,
    givenName: name?.givenName ?? unstructured,
    familyName: name?.familyName ?? "",
    phones: (p.phoneNumbers ?? []).flatMap((n) =>
      n.value ? [{ value: n.value, type: n.type ?? "other" }] : [],
    ),
    emails: (p.emailAddresses ?? []).flatMap((e) =>
      e.value ? [{ value: e.value, type: e.type ?? "other" }] : [],
    ),
    switchboardId: p.clientData?.find((d) => d.key === CLIENT_DATA_KEY)?.value ?? undefined,
  };
}

const toPersonBody = (w: PersonWrite): people_v1.Schema$Person => ({
  names: w.givenName || w.familyName ? [{ givenName: w.givenName, familyName: w.familyName }] : [],
  phoneNumbers: w.phones.map((p) => ({ value: p.value, type: p.type })),
  emailAddresses: w.emails.map((e) => ({ value: e.value, type: e.type })),
});

export interface PeopleAdapterOptions {
  target: GoogleApiTarget;
  tokens: TokenSource;
  user: TokenUser;
  retry?: RetryOptions;
  pageSize?: number;
}

export function googlePeopleApi(options: PeopleAdapterOptions): PeopleApi {
  const api = loadOnFirstUse(async () =>
    (await import("@googleapis/people")).people({
      version: "v1",
      ...clientOptions(options.target, userAuthClient(options.tokens, options.user, "contacts")),
    }),
  );
  const pageSize = options.pageSize ?? 1000;
  const call = async <T>(what: string, fn: () => Promise<{ data: T }>): Promise<T> => {
    try {
      return (await withGoogleRetry(fn, options.retry)).data;
    } catch (error) {
      const { kind, info } = classifyGoogleError(error);
      if (kind === "expired_cursor")
        throw new ExpiredSyncTokenError(`${what}: ${info?.message ?? "sync token expired"}`);
      if (kind === "not_found") throw new PersonGoneError(`${what}: not found`);
      if (info?.status === 400 && (kind === "precondition" || /etag/i.test(info.message))) {
        throw new StaleEtagError(`${what}: ${info.message}`);
      }
      throw toAppError(error, what);
    }
  };
  const page = (
    data: { nextPageToken?: string | null; nextSyncToken?: string | null },
    people: people_v1.Schema$Person[],
  ): PeoplePage => ({
    people: people.map(toGooglePerson),
    nextPageToken: data.nextPageToken ?? undefined,
    nextSyncToken: data.nextSyncToken ?? undefined,
  });
  return {
    async listConnections(request) {
      const data = await call("people.connections.list", async () =>
        (await api()).people.connections.list({
          resourceName: "people/me",
          personFields: PERSON_FIELDS,
          pageSize: request.pageSize ?? pageSize,
          requestSyncToken: true,
          ...(request.syncToken ? { syncToken: request.syncToken } : {}),
          ...(request.pageToken ? { pageToken: request.pageToken } : {}),
        }),
      );
      return page(data, data.connections ?? []);
    },
    async listDirectory(request) {
      const data = await call("people.listDirectoryPeople", async () =>
        (await api()).people.listDirectoryPeople({
          readMask: DIRECTORY_MASK,
          sources: DIRECTORY_SOURCES,
          pageSize: request.pageSize ?? pageSize,
          requestSyncToken: true,
          ...(request.syncToken ? { syncToken: request.syncToken } : {}),
          ...(request.pageToken ? { pageToken: request.pageToken } : {}),
        }),
      );
      return page(data, data.people ?? []);
    },
    async get(resourceName) {
      try {
        return toGooglePerson(
          await call("people.get", async () =>
            (await api()).people.get({ resourceName, personFields: PERSON_FIELDS }),
          ),
        );
      } catch (error) {
        if (error instanceof PersonGoneError) return undefined;
        throw error;
      }
    },
    async create(person, switchboardId) {
      const data = await call("people.createContact", async () =>
        (await api()).people.createContact({
          personFields: PERSON_FIELDS,
          requestBody: {
            ...toPersonBody(person),
            clientData: [{ key: CLIENT_DATA_KEY, value: switchboardId }],
          },
        }),
      );
      return toGooglePerson(data);
    },
    async update(resourceName, etag, person) {
      const data = await call("people.updateContact", async () =>
        (await api()).people.updateContact({
          resourceName,
          updatePersonFields: UPDATE_FIELDS,
          personFields: PERSON_FIELDS,
          requestBody: { ...toPersonBody(person), etag },
        }),
      );
      return toGooglePerson(data);
    },
    async delete(resourceName) {
      try {
        await call("people.deleteContact", async () => (await api()).people.deleteContact({ resourceName }));
      } catch (error) {
        if (error instanceof PersonGoneError) return;
        throw error;
      }
    },
    async batchCreate(items) {
      const data = await call("people.batchCreateContacts", async () =>
        (await api()).people.batchCreateContacts({
          requestBody: {
            readMask: PERSON_FIELDS,
            contacts: items.map(({ person, switchboardId }) => ({
              contactPerson: {
                ...toPersonBody(person),
                clientData: [{ key: CLIENT_DATA_KEY, value: switchboardId }],
              },
            })),
          },
        }),
      );
      const created = data.createdPeople ?? [];
      if (created.length !== items.length || created.some((c) => !c.person))
        throw new AppError(
          "upstream_unavailable",
          "people.batchCreateContacts answered without every person",
          {
            retryable: true,
          },
        );
      return created.map((c) => toGooglePerson(c.person!));
    },
    async batchUpdate(items) {
      const data = await call("people.batchUpdateContacts", async () =>
        (await api()).people.batchUpdateContacts({
          requestBody: {
            updateMask: UPDATE_FIELDS,
            readMask: PERSON_FIELDS,
            contacts: Object.fromEntries(
              items.map((i) => [i.resourceName, { ...toPersonBody(i.person), etag: i.etag }]),
            ),
          },
        }),
      );
      const updated = new Map<string, GooglePerson>();
      for (const [resourceName, result] of Object.entries(data.updateResult ?? {}))
        if (result.person) updated.set(resourceName, toGooglePerson(result.person));
      return updated;
    },
    async batchDelete(resourceNames) {
      await call("people.batchDeleteContacts", async () =>
        (await api()).people.batchDeleteContacts({ requestBody: { resourceNames } }),
      );
    },
  };
}

/** Thrown when the user's grant cannot be used (scope missing, revoked): not worth a retry. */
export const isPermanentGoogleRefusal = (error: unknown): boolean =>
  error instanceof AppError && (error.code === "forbidden" || error.code === "not_found");
