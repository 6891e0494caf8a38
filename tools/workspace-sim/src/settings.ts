// Tunable behaviour. Defaults follow docs/google-behaviour.md; tests override what they need.
import { DAY, HOUR } from "./clock";

export interface PeopleSettings {
  /** Delay before a write shows up in incremental sync results (Google: "several minutes"). 0 = off. */
  syncLagMs: number;
  /**
   * For this long after an update or delete, people.get / getBatchGet still answer the version before
   * it (its etag and fields): Google's reads are not read-after-write. 0 = off.
   */
  readAfterWriteLagMs: number;
  /**
   * "refuse": a mutation for a user while another of theirs is in flight is refused (429); "allow"
   * takes them all ("send mutate requests sequentially", people/v1/contacts).
   */
  concurrentMutations: "refuse" | "allow";
  /** Real milliseconds a mutation takes (Google's writes are not instant); the window a second one collides in. */
  mutationLatencyMs: number;
  syncTokenLifetimeMs: number;
  /** "fullSync": a token dies 7 days after the full sync it descends from (the documented wording). "mint": 7 days after it was issued. */
  syncTokenExpiryFrom: "fullSync" | "mint";
  /** Critical read requests per user per minute (null = unlimited). */
  criticalReadsPerMinute: number | null;
  criticalWritesPerMinute: number | null;
  /** The extra fixed quota for the first page of a full sync (null = off). */
  fullSyncFirstPagesPerMinute: number | null;
}

export interface DirectorySettings {
  /** Queries per user per minute (Google: 2,400). null = unlimited. */
  queriesPerMinute: number | null;
  /** How long deleted users stay visible with showDeleted=true. */
  deletedUserRetentionMs: number;
  pageTokenLifetimeMs: number;
  /**
   * For this long after users.insert, mutations of the new user fail (412 "User creation is not
   * complete") and users.get by id answers 404 (by email it is found).
   */
  insertSettleMs: number;
  /** For this long after a primaryEmail change, further writes to that user answer 409. */
  renameSettleMs: number;
  /** "ignored": users.update/patch take no precondition (Google documents none; last write wins). */
  ifMatch: "ignored" | "enforced";
  /** Maximum (and default) watch channel lifetime. */
  channelMaxLifetimeMs: number;
  /** "shuffled" delivers push notifications that are due together in random order. */
  pushOrder: "shuffled" | "fifo";
  /** Real milliseconds to collect push notifications before delivering them. */
  pushBatchWindowMs: number;
}

export interface OAuthSettings {
  accessTokenLifetimeSec: number;
  maxRefreshTokensPerClient: number;
  testingRefreshTokenLifetimeMs: number;
  unusedRefreshTokenLifetimeMs: number;
  authCodeLifetimeMs: number;
  /** How long revoked tokens keep working (Google: "it might take some time"; unconfirmed, so not 0). */
  revocationLagMs: number;
  /** How long Google remembers a dead refresh token; after that invalid_grant says only "Bad Request". */
  deadTokenMemoryMs: number;
}

export interface SimSettings {
  people: PeopleSettings;
  directory: DirectorySettings;
  oauth: OAuthSettings;
}

export type SettingsPatch = { [K in keyof SimSettings]?: Partial<SimSettings[K]> };

export function defaultSettings(): SimSettings {
  return {
    people: {
      syncLagMs: 60_000,
      readAfterWriteLagMs: 10_000,
      concurrentMutations: "refuse",
      mutationLatencyMs: 10,
      syncTokenLifetimeMs: 7 * DAY,
      syncTokenExpiryFrom: "fullSync",
      criticalReadsPerMinute: 90,
      criticalWritesPerMinute: 30,
      fullSyncFirstPagesPerMinute: null,
    },
    directory: {
      queriesPerMinute: 2400,
      deletedUserRetentionMs: 20 * DAY,
      pageTokenLifetimeMs: 3 * DAY,
      insertSettleMs: 40_000,
      renameSettleMs: 60_000,
      ifMatch: "ignored",
      channelMaxLifetimeMs: 6 * HOUR,
      pushOrder: "shuffled",
      pushBatchWindowMs: 20,
    },
    oauth: {
      accessTokenLifetimeSec: 3599,
      maxRefreshTokensPerClient: 100,
      testingRefreshTokenLifetimeMs: 7 * DAY,
      unusedRefreshTokenLifetimeMs: 180 * DAY,
      authCodeLifetimeMs: 10 * 60_000,
      revocationLagMs: 60_000,
      deadTokenMemoryMs: 12 * HOUR,
    },
  };
}

export function applySettings(settings: SimSettings, patch: SettingsPatch): void {
  Object.assign(settings.people, patch.people ?? {});
  Object.assign(settings.directory, patch.directory ?? {});
  Object.assign(settings.oauth, patch.oauth ?? {});
}
