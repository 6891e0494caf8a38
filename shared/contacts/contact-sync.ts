// The sync use case for one user: pull Google's changes (incremental with the stored sync token; a
// full snapshot diffed against what is stored when there is none or it expired), then push our
// pending creates, edits and deletes with the stored etags. Every step persists its cursor, so a
// throttled or crashed run resumes where it stopped, never from scratch.
import { randomUUID } from "node:crypto";
import {
  BATCH_DELETE_LIMIT,
  BATCH_WRITE_LIMIT,
  ExpiredSyncTokenError,
  type GooglePerson,
  type PageRequest,
  type PeopleApi,
  type PeoplePage,
  PersonGoneError,
  type PersonWrite,
  StaleEtagError,
} from "../google/people-api";
import type { RetryOptions } from "../google/retry";
import { AppError, isAppError } from "../platform/errors";
import type { Logger } from "../platform/logger";
import { truncateText } from "../platform/text";
import { type ContactKind, emailKeysOf, normaliseFields, phoneKeysOf } from "./contact-model";
import {
  type ContactRepository,
  type Cursor,
  type CursorName,
  emptyCursor,
  type Loaded,
  type StoredContact,
} from "./contact-repository";
import { afterPush, applyGooglePerson, isOlderCopy, type Outcome, tombstone } from "./sync-rules";

export interface ContactSyncDeps {
  people: PeopleApi;
  repo: ContactRepository;
  /** The org's default region for numbers typed without a country code. */
  region: string;
  clock: () => Date;
  log: Logger;
  pageSize?: number;
  /**
   * The stale-etag path's budget: re-reads of a person whose read still shows the version we sent
   * (Google's reads lag its writes), with exponential backoff. Defaults: 6 reads, 1 s doubling to 8 s.
   */
  etagRetry?: Pick<RetryOptions, "maxAttempts" | "baseDelayMs" | "maxDelayMs" | "sleep">;
}

export interface SyncOptions {
  /** Also refresh company contacts (listDirectoryPeople); the scheduler's ticks do, API changes do not. */
  directory?: boolean;
}

export type Counts = Partial<Record<Outcome | "conflicts" | "duplicates_removed", number>>;

export interface ContactSyncReport {
  personal: { full: boolean; pages: number; counts: Counts };
  company: { full: boolean; pages: number; counts: Counts } | "skipped" | "not_permitted";
  pushed: { created: number; updated: number; deleted: number; retried: number; gone: number };
}

interface Source {
  name: CursorName;
  kind: ContactKind;
  list(request: PageRequest): Promise<PeoplePage>;
}

const personalSource = (people: PeopleApi): Source => ({
  name: "contacts",
  kind: "personal",
  list: (r) => people.listConnections(r),
});
const companySource = (people: PeopleApi): Source => ({
  name: "contacts-directory",
  kind: "company",
  list: (r) => people.listDirectory(r),
});

export async function syncContacts(
  deps: ContactSyncDeps,
  options: SyncOptions = {},
): Promise<ContactSyncReport> {
  const personal = await recordingErrors(deps, "contacts", () => pull(deps, personalSource(deps.people)));
  let company: ContactSyncReport["company"] = "skipped";
  if (options.directory) {
    try {
      company = await pull(deps, companySource(deps.people));
    } catch (error) {
      // Company contacts need directory.readonly; without it personal sync carries on.
      if (!(isAppError(error) && error.code === "forbidden")) throw error;
      company = "not_permitted";
      deps.log.info("contacts.directory_not_permitted", {});
    }
  }
  const pushed = await recordingErrors(deps, "contacts", () => push(deps));
  return { personal, company, pushed };
}

/** A failure is written to the cursor (GET /v1/integrations shows it) and rethrown for the retry policy. */
async function recordingErrors<T>(
  deps: ContactSyncDeps,
  name: CursorName,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const cursor = (await deps.repo.cursor(name)) ?? emptyCursor();
    await deps.repo.saveCursor(name, {
      ...cursor,
      lastError: error instanceof Error ? truncateText(error.message, 500) : String(error),
      lastErrorAt: deps.clock(),
    });
    throw error;
  }
}

const count = (counts: Counts, key: keyof Counts, n = 1) => {
  counts[key] = (counts[key] ?? 0) + n;
};

// ---- pull ------------------------------------------------------------------------------------------

async function pull(
  deps: ContactSyncDeps,
  source: Source,
): Promise<{ full: boolean; pages: number; counts: Counts }> {
  const cursor = (await deps.repo.cursor(source.name)) ?? emptyCursor();
  if (cursor.syncToken && !cursor.fullSyncId) {
    try {
      return await incremental(deps, source, cursor);
    } catch (error) {
      if (!(error instanceof ExpiredSyncTokenError)) throw error;
      deps.log.info("contacts.sync_token_expired", { cursor: source.name });
      return fullSync(deps, source, { ...cursor, syncToken: null, pageToken: null });
    }
  }
  return fullSync(deps, source, cursor);
}

async function incremental(deps: ContactSyncDeps, source: Source, start: Cursor) {
  let cursor = start;
  const counts: Counts = {};
  let pages = 0;
  for (;;) {
    const page = await source.list({
      syncToken: cursor.syncToken ?? undefined,
      pageToken: cursor.pageToken ?? undefined,
      ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
    });
    pages++;
    for (const person of page.people) await applyOne(deps, source.kind, person, counts);
    if (page.nextPageToken) {
      cursor = { ...cursor, pageToken: page.nextPageToken };
    } else {
      cursor = {
        ...cursor,
        syncToken: page.nextSyncToken ?? cursor.syncToken,
        pageToken: null,
        lastSyncAt: deps.clock(),
        lastError: null,
        lastErrorAt: null,
      };
    }
    // The only write of a sync with nothing changed: the new token (and, mid-listing, the page to resume at).
    await deps.repo.saveCursor(source.name, cursor);
    if (!page.nextPageToken) return { full: false, pages, counts };
  }
}

/** One person of an incremental page, in a transaction against concurrent API edits. */
async function applyOne(
  deps: ContactSyncDeps,
  kind: ContactKind,
  person: GooglePerson,
  counts: Counts,
): Promise<void> {
  const ctx = { region: deps.region, now: deps.clock(), kind };
  let target = await deps.repo.findByResourceName(person.resourceName, kind);
  if (!target && !person.deleted && kind === "personal") {
    const own = person.switchboardId ? await deps.repo.get(person.switchboardId) : undefined;
    if (isDuplicateOfOurs(own, person)) return removeDuplicate(deps, person, counts);
    target = await findUnlinked(deps, person);
  }
  const id = target?.contact.id;
  let outcome: Outcome = "unchanged";
  let conflicts = 0;
  if (!id) {
    const decision = applyGooglePerson(undefined, person, ctx);
    if (!decision.next) return count(counts, "unchanged");
    const created = decision.next;
    await deps.repo.mutate(created.id, (current) => {
      const d = applyGooglePerson(current, person, ctx);
      outcome = current ? d.outcome : "created";
      return d.next;
    });
  } else {
    await deps.repo.mutate(id, (current) => {
      const d = applyGooglePerson(current, person, ctx);
      outcome = d.outcome;
      conflicts = d.conflicts;
      return d.next;
    });
  }
  count(counts, outcome);
  if (conflicts) count(counts, "conflicts", conflicts);
}

/**
 * A second Google person carrying the id of a contact of ours already linked to another person: the
 * leftover of a create Google performed although its answer never reached us (a timeout, then the retry
 * created another). It is deleted at Google rather than copied here, so neither side keeps a duplicate.
 */
function isDuplicateOfOurs(own: StoredContact | undefined, person: GooglePerson): boolean {
  return Boolean(own?.google && own.google.resourceName !== person.resourceName && !person.deleted);
}

async function removeDuplicate(deps: ContactSyncDeps, person: GooglePerson, counts: Counts) {
  await deps.people.delete(person.resourceName);
  deps.log.info("contacts.duplicate_person_removed", { resourceName: person.resourceName });
  count(counts, "duplicates_removed");
}

/** A person new to us may be one we created (clientData id) or a duplicate of an unlinked local contact. */
async function findUnlinked(deps: ContactSyncDeps, person: GooglePerson): Promise<Loaded | undefined> {
  if (person.switchboardId) {
    const own = await deps.repo.get(person.switchboardId);
    if (own && !own.google && !own.deleted && own.kind === "personal")
      return { contact: own, updateTime: undefined as never };
  }
  const matches = await deps.repo.findUnlinkedMatches(normaliseFields(person, deps.region));
  return matches[0];
}

async function fullSync(deps: ContactSyncDeps, source: Source, start: Cursor) {
  let cursor = start;
  if (!cursor.fullSyncId) {
    await deps.repo.clearSeenPages(source.name);
    cursor = { ...cursor, fullSyncId: randomUUID(), fullSyncPages: 0, pageToken: null, syncToken: null };
    await deps.repo.saveCursor(source.name, cursor);
    deps.log.info("contacts.full_sync_started", { cursor: source.name });
  }
  const runId = cursor.fullSyncId as string;
  const local = indexLocal(await deps.repo.loadAll(source.kind));
  const counts: Counts = {};
  let pages = 0;
  for (;;) {
    let page: PeoplePage;
    try {
      page = await source.list({
        pageToken: cursor.pageToken ?? undefined,
        ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
      });
    } catch (error) {
      if (cursor.pageToken && isAppError(error) && !error.retryable) {
        // The stored page token is no longer accepted: start the snapshot again (the diff stays correct).
        await deps.repo.saveCursor(source.name, {
          ...cursor,
          fullSyncId: null,
          pageToken: null,
          fullSyncPages: 0,
        });
        throw new AppError(
          "upstream_unavailable",
          "Full sync page token rejected; restarting the full sync",
          { retryable: true, cause: error },
        );
      }
      throw error;
    }
    pages++;
    await applyPage(deps, source.kind, page.people, local, counts);
    await deps.repo.addSeenPage(
      source.name,
      runId,
      cursor.fullSyncPages,
      page.people.map((p) => p.resourceName),
    );
    if (page.nextPageToken) {
      cursor = { ...cursor, pageToken: page.nextPageToken, fullSyncPages: cursor.fullSyncPages + 1 };
      await deps.repo.saveCursor(source.name, cursor);
      continue;
    }
    // The snapshot is complete: whatever we hold a link for and Google no longer lists was deleted in
    // Google while we were not looking (an expired token carries no tombstones).
    const seen = await deps.repo.seenResourceNames(source.name, runId);
    const now = deps.clock();
    const gone = [...local.byResourceName.values()].filter(
      (l) => !l.contact.deleted && l.contact.google && !seen.has(l.contact.google.resourceName),
    );
    await writeAll(
      deps,
      gone.map((l) => ({ contact: tombstone(l.contact, now, false), expect: l.updateTime })),
      () => undefined,
    );
    count(counts, "deleted", gone.length);
    await deps.repo.clearSeenPages(source.name);
    await deps.repo.saveCursor(source.name, {
      ...cursor,
      syncToken: page.nextSyncToken ?? null,
      pageToken: null,
      fullSyncId: null,
      fullSyncPages: 0,
      lastSyncAt: now,
      lastFullSyncAt: now,
      lastError: null,
      lastErrorAt: null,
    });
    deps.log.info("contacts.full_sync_finished", { cursor: source.name, pages, ...counts });
    return { full: true, pages, counts };
  }
}

interface LocalIndex {
  byResourceName: Map<string, Loaded>;
  byId: Map<string, Loaded>;
  /** Unlinked live personal contacts by phone and email key: the dedupe candidates. */
  unlinkedByKey: Map<string, Loaded>;
}

function indexLocal(all: Loaded[]): LocalIndex {
  const index: LocalIndex = { byResourceName: new Map(), byId: new Map(), unlinkedByKey: new Map() };
  for (const l of all) remember(index, l);
  return index;
}

function remember(index: LocalIndex, l: Loaded) {
  index.byId.set(l.contact.id, l);
  if (l.contact.google) index.byResourceName.set(l.contact.google.resourceName, l);
  else if (!l.contact.deleted && l.contact.kind === "personal")
    for (const key of [...phoneKeysOf(l.contact.fields), ...emailKeysOf(l.contact.fields)])
      index.unlinkedByKey.set(key, l);
}

function forget(index: LocalIndex, l: Loaded) {
  for (const [key, value] of index.unlinkedByKey)
    if (value.contact.id === l.contact.id) index.unlinkedByKey.delete(key);
}

async function applyPage(
  deps: ContactSyncDeps,
  kind: ContactKind,
  people: GooglePerson[],
  local: LocalIndex,
  counts: Counts,
) {
  const ctx = { region: deps.region, now: deps.clock(), kind };
  const writes: Array<{ contact: StoredContact; expect: Loaded["updateTime"] | "absent" }> = [];
  const byId = new Map<string, GooglePerson>();
  for (const person of people) {
    let target = local.byResourceName.get(person.resourceName);
    if (!target && !person.deleted && kind === "personal") {
      const own = person.switchboardId ? local.byId.get(person.switchboardId) : undefined;
      if (isDuplicateOfOurs(own?.contact, person)) {
        await removeDuplicate(deps, person, counts);
        continue;
      }
      const fields = normaliseFields(person, deps.region);
      target =
        own && !own.contact.google && !own.contact.deleted
          ? own
          : [...phoneKeysOf(fields), ...emailKeysOf(fields)]
              .map((k) => local.unlinkedByKey.get(k))
              .find(Boolean);
    }
    const decision = applyGooglePerson(target?.contact, person, ctx);
    count(counts, decision.outcome);
    if (decision.conflicts) count(counts, "conflicts", decision.conflicts);
    if (!decision.next) continue;
    if (target) forget(local, target);
    // Later pages and the final diff see the new link.
    const next = { contact: decision.next, updateTime: target?.updateTime as Loaded["updateTime"] };
    remember(local, next);
    writes.push({ contact: decision.next, expect: target ? target.updateTime : "absent" });
    byId.set(decision.next.id, person);
  }
  // A contact edited through the API meanwhile fails its precondition: apply that person again on a fresh read.
  await writeAll(deps, writes, (id) => byId.get(id), kind);
}

async function writeAll(
  deps: ContactSyncDeps,
  writes: Array<{ contact: StoredContact; expect: Loaded["updateTime"] | "absent" }>,
  personOf: (id: string) => GooglePerson | undefined,
  kind: ContactKind = "personal",
) {
  const failed = await deps.repo.writeMany(writes);
  for (const id of failed) {
    const person = personOf(id);
    const ctx = { region: deps.region, now: deps.clock(), kind };
    await deps.repo.mutate(id, (current) => {
      if (person) return applyGooglePerson(current, person, ctx).next;
      return current && !current.deleted ? tombstone(current, ctx.now, false) : undefined;
    });
  }
}

// ---- push ------------------------------------------------------------------------------------------

/** How many times one push may meet a stale etag (each followed by a fresh read and a merge). */
const MAX_ETAG_RETRIES = 3;

async function push(deps: ContactSyncDeps): Promise<ContactSyncReport["pushed"]> {
  const report = { created: 0, updated: 0, deleted: 0, retried: 0, gone: 0 };
  const done = new Set<string>();
  for (;;) {
    const pending = (await deps.repo.listPending(200)).filter(
      (c) => !done.has(c.id) && c.kind === "personal",
    );
    if (pending.length === 0) return report;
    for (const c of pending) done.add(c.id);
    // One call at a time: Google asks for one user's mutations to be sequential. Creates and updates go
    // in batches (one call and 6 quota units for up to 200, instead of one call each); deletes one by one.
    const live = pending.filter((c) => !c.deleted);
    await pushBatches(
      deps,
      live.filter((c) => !c.google),
      report,
    );
    await pushBatches(
      deps,
      live.filter((c) => c.google),
      report,
    );
    await pushDeletes(
      deps,
      pending.filter((c) => c.deleted),
      report,
    );
  }
}

/** Deletes known to Google go BATCH_DELETE_LIMIT per call; any refusal falls back to one by one. */
async function pushDeletes(
  deps: ContactSyncDeps,
  contacts: StoredContact[],
  report: ContactSyncReport["pushed"],
) {
  const linked = contacts.filter((c) => c.google);
  const batched = new Set<string>();
  for (let i = 0; i < linked.length; i += BATCH_DELETE_LIMIT) {
    const chunk = linked.slice(i, i + BATCH_DELETE_LIMIT);
    if (chunk.length === 1) continue;
    try {
      await deps.people.batchDelete(chunk.map((c) => c.google!.resourceName));
    } catch (error) {
      if (error instanceof AppError && error.retryable) throw error;
      continue; // pushOne below deletes each on its own (a person already gone counts as deleted)
    }
    for (const c of chunk) {
      await deps.repo.mutate(c.id, (current) =>
        current?.deleted ? { ...current, pendingPush: false } : undefined,
      );
      report.deleted++;
      batched.add(c.id);
    }
  }
  for (const contact of contacts.filter((c) => !batched.has(c.id))) await pushOne(deps, contact, report);
}

const personWrite = (c: StoredContact): PersonWrite => ({
  givenName: c.fields.givenName,
  familyName: c.fields.familyName,
  phones: c.fields.phones,
  emails: c.fields.emails,
});

/**
 * Creates (no Google link yet) or updates, BATCH_WRITE_LIMIT per call. A batch Google refuses for a
 * reason of its own contacts (a stale etag, a person deleted meanwhile, one invalid entry) is pushed
 * again one contact at a time, where each case has its answer; quota and outages are thrown, so the
 * delivery is retried and nothing is pushed twice by this run.
 */
async function pushBatches(
  deps: ContactSyncDeps,
  contacts: StoredContact[],
  report: ContactSyncReport["pushed"],
) {
  for (let i = 0; i < contacts.length; i += BATCH_WRITE_LIMIT) {
    const chunk = contacts.slice(i, i + BATCH_WRITE_LIMIT);
    if (chunk.length === 1) {
      await pushOne(deps, chunk[0]!, report);
      continue;
    }
    const updating = chunk[0]!.google !== null;
    let pushed: Array<{ contact: StoredContact; person: GooglePerson | undefined }>;
    try {
      if (updating) {
        const people = await deps.people.batchUpdate(
          chunk.map((c) => ({
            resourceName: c.google!.resourceName,
            etag: c.google!.etag,
            person: personWrite(c),
          })),
        );
        pushed = chunk.map((contact) => ({ contact, person: people.get(contact.google!.resourceName) }));
      } else {
        const people = await deps.people.batchCreate(
          chunk.map((c) => ({ person: personWrite(c), switchboardId: c.id })),
        );
        pushed = chunk.map((contact, n) => ({ contact, person: people[n] }));
      }
    } catch (error) {
      if (error instanceof AppError && error.retryable) throw error;
      for (const contact of chunk) await pushOne(deps, contact, report);
      continue;
    }
    for (const { contact, person } of pushed) {
      if (!person) {
        await pushOne(deps, contact, report); // not in Google's answer: push it on its own
        continue;
      }
      await deps.repo.mutate(contact.id, (current) =>
        current ? afterPush(current, person, deps.region) : undefined,
      );
      if (updating) report.updated++;
      else report.created++;
    }
  }
}

async function pushOne(deps: ContactSyncDeps, start: StoredContact, report: ContactSyncReport["pushed"]) {
  const ctx = { region: deps.region, now: deps.clock(), kind: "personal" as const };
  if (start.deleted) {
    if (start.google) await deps.people.delete(start.google.resourceName);
    await deps.repo.mutate(start.id, (current) =>
      current?.deleted ? { ...current, pendingPush: false } : undefined,
    );
    report.deleted++;
    return;
  }
  let contact = start;
  for (let attempt = 0; attempt <= MAX_ETAG_RETRIES; attempt++) {
    const write = personWrite(contact);
    try {
      const person = contact.google
        ? await deps.people.update(contact.google.resourceName, contact.google.etag, write)
        : await deps.people.create(write, contact.id);
      await deps.repo.mutate(contact.id, (current) =>
        current ? afterPush(current, person, deps.region) : undefined,
      );
      if (contact.google) report.updated++;
      else report.created++;
      return;
    } catch (error) {
      if (error instanceof PersonGoneError) {
        // Deleted in Google while edited here: the delete wins, on both sides.
        await deps.repo.mutate(contact.id, (current) =>
          current && !current.deleted ? tombstone(current, ctx.now, false) : undefined,
        );
        report.gone++;
        return;
      }
      if (!(error instanceof StaleEtagError) || !contact.google) throw error;
      // Google changed since our last read: read its newer version, merge it three-way, then retry
      // with its etag. The read may still show the version we sent (reads lag writes), so wait for one
      // that is newer; never merge an older one.
      report.retried++;
      const fresh = await newerThan(deps, contact.google);
      const next = await deps.repo.mutate(contact.id, (current) => {
        if (!current) return undefined;
        return fresh ? applyGooglePerson(current, fresh, ctx).next : tombstone(current, ctx.now, false);
      });
      if (!fresh) {
        report.gone++;
        return;
      }
      if (!next?.pendingPush || next.deleted) return;
      contact = next;
    }
  }
  throw new AppError("conflict", `Contact ${start.id} kept changing in Google; will retry`, {
    retryable: true,
  });
}

/**
 * Reads the person until Google answers a version newer than `known` (another etag, not older by its
 * source update time), with backoff; undefined when it is gone. Past the budget the sync fails
 * retryably: the contact stays pending and the next delivery tries again, so no edit is lost.
 */
async function newerThan(
  deps: ContactSyncDeps,
  known: { resourceName: string; etag: string; updatedAt: number },
): Promise<GooglePerson | undefined> {
  const { maxAttempts = 6, baseDelayMs = 1000, maxDelayMs = 8000 } = deps.etagRetry ?? {};
  const sleep = deps.etagRetry?.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let read = 1; ; read++) {
    const fresh = await deps.people.get(known.resourceName);
    const stale = fresh && (fresh.etag === known.etag || isOlderCopy(fresh, known));
    if (!stale) return fresh;
    if (read >= maxAttempts) {
      throw new AppError(
        "conflict",
        `Google still answers the version of ${known.resourceName} it refused; will retry`,
        { retryable: true },
      );
    }
    await sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (read - 1)));
  }
}
