// Paging and sync tokens shared by connections.list and listDirectoryPeople:
// - the first page snapshots the ids, later pages must repeat every other parameter;
// - nextSyncToken only on the last page; tokens expire (FAILED_PRECONDITION + EXPIRED_SYNC_TOKEN);
// - incremental results come from the change log and include tombstones;
// - writes newer than the configured lag are held back from incremental results.
import type { ApiContext } from "../api";
import type { ChangeLog } from "../change-log";
import type { PageCursor } from "../cursors";
import { ApiError, invalidArgument } from "../errors";

export interface SyncSource {
  kind: "connections" | "directoryPeople";
  owner: string;
  log: ChangeLog;
  /** Ids for a full listing, in the order to return them. */
  fullListing(): string[];
  /** Renders an id; `incremental` allows tombstones. Undefined drops the id from the page. */
  render(id: string, incremental: boolean): Record<string, unknown> | undefined;
}

export interface SyncListingParams {
  pageSize: number;
  pageToken: string | undefined;
  syncToken: string | undefined;
  requestSyncToken: boolean;
  /** Every parameter except pageToken, for the "must match the first call" check. */
  paramsKey: string;
  /** The parameters a sync token is bound to. */
  syncParamsKey: string;
  apiMethod: string;
}

export interface SyncListingPage {
  items: Record<string, unknown>[];
  nextPageToken?: string;
  nextSyncToken?: string;
  /** Size of a full listing (full sync only). */
  total?: number;
  firstPageOfFullSync: boolean;
}

export function expiredSyncToken(): ApiError {
  return new ApiError({
    code: 400,
    status: "FAILED_PRECONDITION",
    message: "Sync token is expired. Clear local cache and retry call without the sync token.",
    reason: "failedPrecondition",
    infoReason: "EXPIRED_SYNC_TOKEN",
    infoDomain: "people.googleapis.com",
  });
}

export function listWithSync(ctx: ApiContext, source: SyncSource, p: SyncListingParams): SyncListingPage {
  const { state } = ctx;
  const now = state.now();
  let cursor: PageCursor;
  let firstPageOfFullSync = false;
  if (p.pageToken) {
    const found = state.cursors.page(p.pageToken);
    if (!found || found.kind !== source.kind || found.owner !== source.owner) {
      throw invalidArgument("Page token is not valid.");
    }
    if (found.paramsKey !== p.paramsKey) {
      throw invalidArgument(
        `Parameters provided to ${p.apiMethod} with a page token must match the first call that provided the page token.`,
      );
    }
    cursor = found;
  } else if (p.syncToken) {
    const sync = state.cursors.sync(p.syncToken);
    if (!sync || sync.kind !== source.kind || sync.owner !== source.owner)
      throw invalidArgument("Sync token is not valid.");
    if (now >= sync.fullSyncAt + state.settings.people.syncTokenLifetimeMs) throw expiredSyncToken();
    if (sync.paramsKey !== p.syncParamsKey) {
      throw invalidArgument(
        `Parameters provided to ${p.apiMethod} with a sync token must match the first call that provided the sync token.`,
      );
    }
    const lag = state.settings.people.syncLagMs;
    const visible = lag > 0 ? source.log.seqAtOrBefore(now - lag) : source.log.currentSeq;
    const upto = Math.max(visible, sync.seq);
    cursor = {
      kind: source.kind,
      owner: source.owner,
      paramsKey: p.paramsKey,
      ids: source.log.changedKeys(sync.seq, upto),
      offset: 0,
      createdAt: now,
      syncSeq: upto,
      fullSyncAt: sync.fullSyncAt,
      incremental: true,
    };
  } else {
    firstPageOfFullSync = true;
    cursor = {
      kind: source.kind,
      owner: source.owner,
      paramsKey: p.paramsKey,
      ids: source.fullListing(),
      offset: 0,
      createdAt: now,
      syncSeq: source.log.currentSeq,
      fullSyncAt: now,
      incremental: false,
    };
  }

  const end = Math.min(cursor.offset + p.pageSize, cursor.ids.length);
  const items: Record<string, unknown>[] = [];
  for (let i = cursor.offset; i < end; i++) {
    const rendered = source.render(cursor.ids[i]!, cursor.incremental === true);
    if (rendered) items.push(rendered);
  }
  const page: SyncListingPage = { items, firstPageOfFullSync };
  if (!cursor.incremental) page.total = cursor.ids.length;
  if (end < cursor.ids.length) {
    page.nextPageToken = state.cursors.savePage({ ...cursor, offset: end });
  } else if (p.requestSyncToken) {
    const expiryBase =
      state.settings.people.syncTokenExpiryFrom === "mint" ? now : (cursor.fullSyncAt ?? now);
    page.nextSyncToken = state.cursors.saveSync({
      kind: source.kind,
      owner: source.owner,
      paramsKey: p.syncParamsKey,
      seq: cursor.syncSeq ?? source.log.currentSeq,
      fullSyncAt: expiryBase,
      mintedAt: now,
    });
  }
  return page;
}

/** pageSize validation shared by the list methods. */
export function parsePageSize(raw: string | null, max: number, dflt: number): number {
  if (raw === null || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw invalidArgument(`Invalid pageSize: ${raw}. pageSize must be between 1 and ${max}.`);
  }
  return n === 0 ? dflt : n;
}
