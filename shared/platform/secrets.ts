// Secrets port: read on first use, cached for the life of the instance, never at import, never logged.
// Production reads Secret Manager; the local stack reads a git-ignored JSON file.
import { readFile } from "node:fs/promises";
import { AppError } from "./errors";

export interface SecretStore {
  /** The latest version of a secret, as text. */
  get(name: string): Promise<string>;
}

/** Memoises each secret's promise, so concurrent first reads make one call and a failure is retried next time. */
function cachingStore(fetch: (name: string) => Promise<string>): SecretStore {
  const cache = new Map<string, Promise<string>>();
  return {
    get(name) {
      let value = cache.get(name);
      if (!value) {
        value = fetch(name);
        cache.set(name, value);
        value.catch(() => cache.delete(name));
      }
      return value;
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
  });
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

export function localFileStore(path: string): SecretStore {
  let file: Promise<Record<string, string>> | undefined;
  const load = () => {
    file ??= readFile(path, "utf8").then((text) => JSON.parse(text) as Record<string, string>);
    return file;
  };
  return cachingStore(async (name) => {
    const value = (await load())[name];
    if (typeof value !== "string")
      throw new AppError("internal", `Secret ${name} is missing from the local secrets file`);
    return value;
  });
}
