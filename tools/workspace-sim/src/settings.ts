// Tunable behaviour. Defaults follow docs/google-behaviour.md; tests override what they need.
import { DAY, HOUR } from "./clock";

export interface PeopleSettings {
  /** Delay before a write shows up in incremental sync results (Google: "several minutes"). 0 = off. */
  syncLagMs: number;
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
  /** Directory API mutations on a user inserted less than this long ago fail ("User creation is not complete"). */
  insertSettleMs: number;
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
      syncLagMs: 0,
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
      insertSettleMs: 2_000,
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
