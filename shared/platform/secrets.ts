// Secrets port: read on first use, never at import, never logged; cached for a short while so a rotation
// reaches warm instances, and re-read on demand (bounded) when a caller meets a key id it does not know.
// Production reads Secret Manager; the local stack reads a git-ignored JSON file.
import { readFile } from "node:fs/promises";
import { AppError } from "./errors";

export interface SecretStore {
  /** The latest version of a secret, as text. */
  get(name: string): Promise<string>;
  /**
   * The latest version read again, for a caller that met a key id its cached value lacks (a rotation);
   * at most one read per secret per SECRET_REFRESH_INTERVAL_MS, else the cached value.
   */
  refresh?(name: string): Promise<string>;
}

/** How long a read value is used before it is read again: a rotation reaches every instance within this. */
export const SECRET_CACHE_MS = 5 * 60_000;
/** The least time between two on-demand re-reads of one secret: unknown key ids cannot flood Secret Manager. */
export const SECRET_REFRESH_INTERVAL_MS = 30_000;

/**
 * Memoises each secret's promise, so concurrent reads make one call; a failure is retried next time, a
 * value is read again after SECRET_CACHE_MS, and refresh() re-reads at most once per
 * SECRET_REFRESH_INTERVAL_MS (the first refresh at once: a rotation is met right after start-up too).
 */
function cachingStore(fetch: (name: string) => Promise<string>, now: () => number = Date.now): SecretStore {
  const cache = new Map<string, { value: Promise<string>; at: number }>();
  const refreshedAt = new Map<string, number>();
  const read = (name: string) => {
    const entry = { value: fetch(name), at: now() };
    cache.set(name, entry);
    entry.value.catch(() => {
      if (cache.get(name) === entry) cache.delete(name);
    });
    return entry.value;
  };
  return {
    get(name) {
      const entry = cache.get(name);
      return entry && now() - entry.at < SECRET_CACHE_MS ? entry.value : read(name);
    },
    refresh(name) {
      const entry = cache.get(name);
      const last = refreshedAt.get(name);
      if (entry && last !== undefined && now() - last < SECRET_REFRESH_INTERVAL_MS) return entry.value;
      refreshedAt.set(name, now());
      return read(name);
    },
  };
}

/** The few methods of SecretManagerServiceClient we use: a port so the adapter is testable. */
export interface SecretManagerApi {
  accessSecretVersion(request: {
    name: string;
  }): Promise<[{ payload?: { data?: Uint8Array | string | null } | null }, ...unknown[]]>;
}

export function secretManagerStore(
  projectId: string,
  client: () => Promise<SecretManagerApi> | SecretManagerApi,
  now?: () => number,
): SecretStore {
  return cachingStore(async (name) => {
    const api = await client();
    try {
      const [version] = await api.accessSecretVersion({
        name: `projects/${projectId}/secrets/${name}/versions/latest`,
      });
      const data = version.payload?.data;
      if (data === undefined || data === null) throw new Error("empty payload");
      return typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    } catch (error) {
      // The cause stays out of the message: Secret Manager errors never carry values, but be strict anyway.
      throw new AppError("upstream_unavailable", `Secret ${name} could not be read from Secret Manager`, {
        retryable: true,
        cause: error,
      });
    }
  }, now);
}

/** Lazily creates the real client: its import is heavy and must not run at cold start unless needed. */
export function defaultSecretManagerClient(): () => Promise<SecretManagerApi> {
  let client: Promise<SecretManagerApi> | undefined;
  return () => {
    client ??= import("@google-cloud/secret-manager").then(
      ({ SecretManagerServiceClient }) => new SecretManagerServiceClient() as unknown as SecretManagerApi,
    );
    return client;
  };
}

/** The file is read again whenever a secret is (after SECRET_CACHE_MS, or on refresh), so rewriting it rotates. */
export function localFileStore(path: string, now?: () => number): SecretStore {
  return cachingStore(async (name) => {
    const value = (JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>)[name];
    if (typeof value !== "string")
      throw new AppError("internal", `Secret ${name} is missing from the local secrets file`);
    return value;
  }, now);
}
