// The rate limits of the public routes that check credentials or take pushes, through the bundled api,
// auth and webhooks functions with small configured budgets: past its budget a client address (sign-in,
// session and consent-callback routes) or a watch channel (webhooks) gets 429 with Retry-After, and
// another address or channel is not affected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSigningKeyRing } from "../shared/identity/signing-keys";
import type { RunningFunction } from "../tools/stack/function-process";
import { useEmulators } from "../tools/testing/emulator-env";
import { createTopics, startFunctionForTest, writeSecretsFile } from "../tools/testing/function-harness";

const emulators = useEmulators("ratelimit");
const BUDGET = 3;
let api: RunningFunction;
let auth: RunningFunction;
let webhooks: RunningFunction;

beforeAll(async () => {
  const secretsFile = await writeSecretsFile({ "session-signing-keys": newSigningKeyRing() });
  const env = {
    SECRETS_BACKEND: "local",
    LOCAL_SECRETS_FILE: secretsFile,
    PUBLIC_AUTH_URL: "http://127.0.0.1:9",
    ALLOWED_RETURN_ORIGINS: "http://app.test",
    CREDENTIAL_REQUESTS_PER_MINUTE: String(BUDGET),
    WEBHOOK_NOTIFICATIONS_PER_MINUTE: String(BUDGET),
  };
  [api, auth, webhooks] = await Promise.all([
    startFunctionForTest("api", emulators, env),
    startFunctionForTest("auth", emulators, env),
    startFunctionForTest("webhooks", emulators, env),
    createTopics(emulators, ["audit-events", "calendar-sync", "directory-sync"]),
  ]);
});
afterAll(async () => {
  await Promise.all([api?.stop(), auth?.stop(), webhooks?.stop()]);
});

interface Probe {
  name: string;
  fn: () => RunningFunction;
  /** One request from `key` (a client address, or a watch channel for the webhooks). */
  send: (base: string, key: string) => Promise<Response>;
}

const fromAddress = (address: string) => ({ "x-forwarded-for": address });
const json = (body: unknown) => ({ "content-type": "application/json", body: JSON.stringify(body) });
const post = (url: string, headers: Record<string, string>, body: string) =>
  fetch(url, { method: "POST", headers, body, redirect: "manual" });

const probes: Probe[] = [
  {
    name: "POST /v1/session/exchange (per address)",
    fn: () => api,
    send: (base, key) => {
      const { body, ...type } = json({ code: "an-unknown-login-code-000000" });
      return post(`${base}/v1/session/exchange`, { ...type, ...fromAddress(key) }, body);
    },
  },
  {
    name: "POST /v1/session/refresh (per address)",
    fn: () => api,
    send: (base, key) => {
      const { body, ...type } = json({ refreshToken: "an-unknown-session.an-unknown-secret-0000" });
      return post(`${base}/v1/session/refresh`, { ...type, ...fromAddress(key) }, body);
    },
  },
  {
    name: "GET /saml/login (per address)",
    fn: () => auth,
    send: (base, key) =>
      fetch(`${base}/saml/login?org=acme`, { headers: fromAddress(key), redirect: "manual" }),
  },
  {
    name: "POST /saml/acs (per address)",
    fn: () => auth,
    send: (base, key) =>
      post(
        `${base}/saml/acs`,
        { "content-type": "application/x-www-form-urlencoded", ...fromAddress(key) },
        new URLSearchParams({ SAMLResponse: Buffer.from("<not-saml/>").toString("base64") }).toString(),
      ),
  },
  {
    name: "GET /oauth/google/callback (per address)",
    fn: () => auth,
    send: (base, key) =>
      fetch(`${base}/oauth/google/callback?state=${"s".repeat(43)}&code=c`, {
        headers: fromAddress(key),
        redirect: "manual",
      }),
  },
  {
    name: "GET /auth/google/login (per address)",
    fn: () => auth,
    send: (base, key) =>
      fetch(`${base}/auth/google/login?return_to=${encodeURIComponent("https://app.example.com/")}`, {
        headers: fromAddress(key),
        redirect: "manual",
      }),
  },
  {
    name: "GET /auth/google/callback (per address)",
    fn: () => auth,
    send: (base, key) =>
      fetch(`${base}/auth/google/callback?state=${"s".repeat(43)}&code=c`, {
        headers: fromAddress(key),
        redirect: "manual",
      }),
  },
  {
    name: "POST /webhooks/google/calendar (per channel)",
    fn: () => webhooks,
    send: (base, channel) =>
      post(
        `${base}/webhooks/google/calendar`,
        {
          "x-goog-channel-id": channel,
          "x-goog-resource-id": "resource-1",
          "x-goog-resource-state": "exists",
          "x-goog-message-number": "1",
          "x-goog-channel-token": "token",
        },
        "",
      ),
  },
  {
    name: "POST /webhooks/directory (per channel)",
    fn: () => webhooks,
    send: (base, channel) =>
      post(
        `${base}/webhooks/directory`,
        {
          "x-goog-channel-id": channel,
          "x-goog-resource-id": "resource-1",
          "x-goog-resource-state": "update",
          "x-goog-channel-token": "token",
        },
        "",
      ),
  },
];

describe("rate limits of the public credential and push routes", () => {
  it.each(probes)("$name: 429 with Retry-After past the budget; another key is unaffected", async (probe) => {
    const base = probe.fn().url;
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET; i++) statuses.push((await probe.send(base, "203.0.113.7")).status);
    for (const status of statuses) expect([400, 401, 403, 404, 200]).toContain(status);
    const limited = await probe.send(base, "203.0.113.7");
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
    // The same request from another address (or for another channel) still reaches the route.
    expect((await probe.send(base, "198.51.100.8")).status).toBe(statuses[0]);
  });

  it("keeps each route's budget apart: a flooded route leaves the others of its function alone", async () => {
    // Fresh key: exchange is flooded past its budget, refresh from the same address still answers.
    const [exchange, refresh] = probes;
    for (let i = 0; i <= BUDGET; i++) await exchange!.send(api.url, "192.0.2.55");
    expect((await exchange!.send(api.url, "192.0.2.55")).status).toBe(429);
    expect((await refresh!.send(api.url, "192.0.2.55")).status).not.toBe(429);
  });
});
