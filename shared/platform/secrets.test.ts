import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import {
  localFileStore,
  SECRET_CACHE_MS,
  SECRET_REFRESH_INTERVAL_MS,
  type SecretManagerApi,
  secretManagerStore,
} from "./secrets";

// A local HTTP server stands in for secretmanager.googleapis.com; the real client talks to it over its
// REST fallback, so the request the client really sends is what these tests check.
const requests: Array<{ method: string; url: string; auth: string | undefined }> = [];
const values: Record<string, string> = { "token-encryption-key": "k3y-material" };
const server = createServer((req: IncomingMessage, res) => {
  requests.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization });
  const match = req.url?.match(/^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/latest:access/);
  const value = match?.[2] ? values[match[2]] : undefined;
  res.setHeader("content-type", "application/json");
  if (!match || value === undefined) {
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { code: 404, message: "Secret not found", status: "NOT_FOUND" } }));
    return;
  }
  res.end(
    JSON.stringify({
      name: `projects/${match[1]}/secrets/${match[2]}/versions/3`,
      payload: { data: Buffer.from(value).toString("base64") },
    }),
  );
});

let client: SecretManagerApi;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "test-access-token", expiry_date: Date.now() + 3_600_000 });
  client = new SecretManagerServiceClient({
    fallback: true,
    apiEndpoint: "127.0.0.1",
    port,
    protocol: "http",
    authClient,
  } as unknown as ConstructorParameters<typeof SecretManagerServiceClient>[0]) as unknown as SecretManagerApi;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("Secret Manager adapter", () => {
  it("reads the latest version through the real client and decodes it", async () => {
    const store = secretManagerStore("sb-prod", () => client);
    await expect(store.get("token-encryption-key")).resolves.toBe("k3y-material");
    const last = requests.at(-1);
    expect(last?.url).toMatch(
      /^\/v1\/projects\/sb-prod\/secrets\/token-encryption-key\/versions\/latest:access/,
    );
    expect(last?.auth).toBe("Bearer test-access-token");
  });

  it("reads each secret once per instance, even under concurrent first use", async () => {
    const store = secretManagerStore("sb-cache", () => client);
    const before = requests.length;
    const reads = await Promise.all(Array.from({ length: 10 }, () => store.get("token-encryption-key")));
    expect(new Set(reads)).toEqual(new Set(["k3y-material"]));
    expect(requests.length - before).toBe(1);
  });

  it("fails with a retryable error that names the secret but never a value, and retries on next use", async () => {
    const store = secretManagerStore("sb-missing", () => client);
    const error = await store.get("absent").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "upstream_unavailable", retryable: true });
    expect((error as Error).message).toContain("absent");
    values.absent = "now-there";
    await expect(store.get("absent")).resolves.toBe("now-there");
  });

  it("reads a secret again after the cache lifetime, so a rotation reaches a warm instance", async () => {
    let now = 1_000_000;
    const store = secretManagerStore(
      "sb-ttl",
      () => client,
      () => now,
    );
    values.rotating = "v1";
    await expect(store.get("rotating")).resolves.toBe("v1");
    values.rotating = "v2";
    now += SECRET_CACHE_MS - 1;
    await expect(store.get("rotating")).resolves.toBe("v1");
    now += 1;
    await expect(store.get("rotating")).resolves.toBe("v2");
  });

  it("re-reads on demand at once, then at most once per refresh interval (an unknown key id cannot flood Secret Manager)", async () => {
    let now = 2_000_000;
    const store = secretManagerStore(
      "sb-refresh",
      () => client,
      () => now,
    );
    values.ring = "r1";
    await store.get("ring");
    values.ring = "r2";
    const before = requests.length;
    await expect(store.refresh?.("ring")).resolves.toBe("r2");
    values.ring = "r3";
    now += SECRET_REFRESH_INTERVAL_MS - 1;
    const early = await Promise.all(Array.from({ length: 20 }, () => store.refresh?.("ring")));
    expect(new Set(early)).toEqual(new Set(["r2"]));
    expect(requests.length - before).toBe(1);
    now += 1;
    await expect(store.refresh?.("ring")).resolves.toBe("r3");
    expect(requests.length - before).toBe(2);
    await expect(store.get("ring")).resolves.toBe("r3");
  });

  it("is never constructed or read at import time", async () => {
    const before = requests.length;
    await import("./secrets");
    expect(requests.length).toBe(before);
  });
});

describe("local secrets file", () => {
  it("serves values from a JSON file and names a missing one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sb-secrets-"));
    const path = join(dir, "secrets.json");
    await writeFile(path, JSON.stringify({ "session-signing-key": "local-value" }));
    const store = localFileStore(path);
    await expect(store.get("session-signing-key")).resolves.toBe("local-value");
    await expect(store.get("nope")).rejects.toThrow(/nope is missing/);
  });

  it("sees a rewritten file on refresh (how the local stack and the tests rotate keys)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sb-secrets-"));
    const path = join(dir, "secrets.json");
    let now = 0;
    await writeFile(path, JSON.stringify({ ring: "old" }));
    const store = localFileStore(path, () => now);
    await expect(store.get("ring")).resolves.toBe("old");
    await writeFile(path, JSON.stringify({ ring: "new" }));
    now += 1;
    await expect(store.refresh?.("ring")).resolves.toBe("new");
  });
});

describe("logging of secrets", () => {
  it("redacts secret-looking fields at any depth", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.info("grant.stored", {
      user: "u1",
      grant: { refreshToken: "1//secret", clientSecret: "s" },
      authorization: "Bearer x",
    });
    expect(lines[0]).not.toMatch(/1\/\/secret|Bearer x|"s"/);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      severity: "INFO",
      message: "grant.stored",
      user: "u1",
    });
  });
});
