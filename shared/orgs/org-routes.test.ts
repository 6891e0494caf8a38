// Onboarding from the phone system and the org's settings, through the bundled api function over real
// HTTP, with the Firestore and Pub/Sub emulators: one org per company under repeats (and concurrent
// repeats), no domain owned twice, bad input refused with a stable code and nothing half-written.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest } from "../../functions/manifest";
import type { RunningFunction } from "../../tools/stack/function-process";
import { type PubSubWiring, wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import {
  createTopics,
  pullPublished,
  startFunctionForTest,
  writeSecretsFile,
} from "../../tools/testing/function-harness";
import type { AuditEvent } from "../audit/audit-event";
import { firestoreRefreshSessions } from "../identity/refresh-sessions";
import { sessionTokenService } from "../identity/session-tokens";
import { newSigningKeyRing } from "../identity/signing-keys";
import { newTokenKeyRing } from "../identity/token-cipher";
import { TELEPHONY_SECRET } from "../platform/service-token";
import { ORG_DOMAINS } from "./org-repository";

const emulators = useEmulators("orgs");
const SERVICE_TOKEN = "telephony-token-for-org-tests-0123456789abcdef";
let api: RunningFunction;
// The contact-sync worker, fed by the Pub/Sub emulator: it re-normalises stored numbers after a region change.
let contactSync: RunningFunction;
let wiring: PubSubWiring;
let db: Firestore;
let ring: string;

beforeAll(async () => {
  ring = newSigningKeyRing();
  const secretsFile = await writeSecretsFile({
    "session-signing-keys": ring,
    [TELEPHONY_SECRET]: SERVICE_TOKEN,
  });
  const workerSecrets = await writeSecretsFile({ "token-encryption-keys": newTokenKeyRing("test-1") });
  [api, contactSync] = await Promise.all([
    startFunctionForTest("api", emulators, {
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: secretsFile,
      PUBLIC_AUTH_URL: "http://127.0.0.1:9",
    }),
    // No user here connects Google: the worker only re-normalises, and never calls Google.
    startFunctionForTest("contact-sync", emulators, {
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: workerSecrets,
      GOOGLE_API_ROOT_URL: "http://127.0.0.1:9/",
      GOOGLE_OAUTH_BASE_URL: "http://127.0.0.1:9/",
      GOOGLE_OAUTH_CLIENT_ID: "unused.apps.googleusercontent.com",
      OAUTH_REDIRECT_URL: "http://127.0.0.1:9/oauth/google/callback",
    }),
    createTopics(emulators, ["audit-events", "contact-sync"]),
  ]);
  const spec = loadManifest().functions.find((f) => f.name === "contact-sync")!;
  wiring = await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => contactSync.url },
  );
  db = new Firestore({ projectId: emulators.projectId });
});
afterAll(async () => {
  await wiring?.close();
  await contactSync?.stop();
  await api?.stop();
  await db?.terminate();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;
async function call(method: string, path: string, body?: unknown, authorization?: string) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}
const onboard = (body: Record<string, unknown>, token = SERVICE_TOKEN) =>
  call("POST", "/v1/telephony/orgs", body, `Bearer ${token}`);
const company = (domain: string, extra: Record<string, unknown> = {}) => ({
  name: `${domain} Ltd`,
  primaryDomain: domain,
  firstAdminEmail: `admin@${domain}`,
  region: "GB",
  timeZone: "Europe/London",
  ...extra,
});

async function adminOf(orgId: string): Promise<string> {
  const snap = await db.collection(`orgs/${orgId}/users`).where("role", "==", "admin").get();
  const admin = snap.docs[0]!.data();
  const { sessionId } = await firestoreRefreshSessions(db).start(orgId, admin.id);
  const tokens = sessionTokenService({ get: async () => ring });
  const { accessToken } = await tokens.issue({
    orgId,
    userId: admin.id,
    email: admin.email,
    role: "admin",
    sessionId,
  });
  return `Bearer ${accessToken}`;
}
const audits = async () => (await pullPublished(emulators, "audit-events")) as AuditEvent[];

describe("POST /v1/telephony/orgs", () => {
  it("refuses a caller without the telephony service token", async () => {
    expect((await onboard(company("nobody.example"), "wrong-token-wrong-token-wrong-token")).status).toBe(
      401,
    );
    expect((await call("POST", "/v1/telephony/orgs", company("nobody.example"))).status).toBe(401);
    expect(await orgDocsFor("nobody.example")).toBe(0);
  });

  it("creates the org, its domain claim and its first admin once, however often the phone system repeats it", async () => {
    const first = await onboard(company("acme.example", { orgId: "acme-tel" }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      org: {
        id: "acme-tel",
        displayName: "acme.example Ltd",
        primaryDomain: "acme.example",
        domains: ["acme.example"],
        defaultRegion: "GB",
        defaultTimeZone: "Europe/London",
        signInPolicy: { google: true, saml: true, requireSaml: false },
        jit: false,
        createdBy: "telephony",
      },
    });
    const repeats = await Promise.all(Array.from({ length: 5 }, () => onboard(company("acme.example"))));
    for (const r of repeats) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ created: false, org: { id: "acme-tel" } });
    }
    expect(await orgDocsFor("acme.example")).toBe(1);
    expect((await db.collection("orgs/acme-tel/users").get()).docs.map((d) => d.get("email"))).toEqual([
      "admin@acme.example",
    ]);
    const created = (await audits()).filter((e) => e.action === "org.created");
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Every repeat re-publishes the same event id, so the audit log stores it once.
    expect(new Set(created.map((e) => e.id))).toEqual(new Set(["org.created:acme-tel"]));
    expect(created[0]).toMatchObject({ orgId: "acme-tel", actor: { type: "system", id: "telephony" } });
  });

  it("creates one org when several first requests for a new company race", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => onboard(company("race.example"))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.org.id)).size).toBe(1);
    expect(await orgDocsFor("race.example")).toBe(1);
    const orgId = answers[0]!.body.org.id as string;
    expect((await db.collection(`orgs/${orgId}/users`).get()).size).toBe(1);
  });

  it("refuses a domain another org already owns with 409 domain_taken, and writes nothing", async () => {
    await onboard(company("owned.example"));
    const res = await onboard(company("newco.example", { domains: ["owned.example"] }));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "domain_taken", details: { claimed: "owned.example" } });
    expect(await orgDocsFor("newco.example")).toBe(0);
    expect((await db.collection("orgs").where("primaryDomain", "==", "newco.example").get()).size).toBe(0);
  });

  it("refuses an unknown region or time zone with a stable code, and writes nothing", async () => {
    for (const [field, value, code] of [
      ["region", "UK", "invalid_region"],
      ["region", "XX", "invalid_region"],
      ["region", "GBR", "invalid_region"],
      ["timeZone", "Mars/Olympus_Mons", "invalid_time_zone"],
      ["timeZone", "+01:00", "invalid_time_zone"],
      ["timeZone", "../../etc/passwd", "invalid_time_zone"],
    ] as const) {
      const res = await onboard(company("badinput.example", { [field]: value }));
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(res.body.error).toMatchObject({ code, details: { field } });
    }
    const badDomain = await onboard(company("not a domain"));
    expect(badDomain.status).toBe(400);
    expect(badDomain.body.error.code).toBe("validation_failed");
    const foreignAdmin = await onboard(
      company("badinput.example", { firstAdminEmail: "x@elsewhere.example" }),
    );
    expect(foreignAdmin.status).toBe(400);
    expect(await orgDocsFor("badinput.example")).toBe(0);
  });
});

describe("GET and PATCH /v1/admin/org", () => {
  it("shows the org to its admin and changes region, time zone, name, policy and JIT, audited", async () => {
    await onboard(
      company("settings.example", { orgId: "settings-org", region: "US", timeZone: "America/New_York" }),
    );
    const admin = await adminOf("settings-org");
    await audits();
    const got = await call("GET", "/v1/admin/org", undefined, admin);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: "settings-org",
      defaultRegion: "US",
      defaultTimeZone: "America/New_York",
    });

    const patched = await call(
      "PATCH",
      "/v1/admin/org",
      {
        displayName: "Settings Ltd",
        defaultRegion: "gb",
        defaultTimeZone: "Europe/London",
        signInPolicy: { requireSaml: true },
        jit: true,
      },
      admin,
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      displayName: "Settings Ltd",
      defaultRegion: "GB",
      defaultTimeZone: "Europe/London",
      signInPolicy: { google: true, saml: true, requireSaml: true },
      jit: true,
    });
    // Contacts read the same field (shared/contacts/org-region.ts).
    expect((await db.doc("orgs/settings-org").get()).get("defaultRegion")).toBe("GB");
    expect((await call("GET", "/v1/admin/org", undefined, admin)).body).toMatchObject(patched.body);
    const changed = (await audits()).filter((e) => e.action === "org.settings_changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]!.details).toMatchObject({ "defaultRegion.from": '"US"', "defaultRegion.to": '"GB"' });
  });

  it("refuses bad settings with a stable code and changes nothing", async () => {
    await onboard(company("strict.example", { orgId: "strict-org" }));
    const admin = await adminOf("strict-org");
    const before = (await call("GET", "/v1/admin/org", undefined, admin)).body;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ defaultRegion: "ZZ" }, "invalid_region"],
      [{ defaultTimeZone: "Europe/Londinium" }, "invalid_time_zone"],
      [{ signInPolicy: { google: false, saml: false } }, "validation_failed"],
      [{ signInPolicy: { saml: false, requireSaml: true } }, "validation_failed"],
      [{ defaultRegion: "GB", unknown: 1 }, "validation_failed"],
      [{}, "validation_failed"],
    ];
    for (const [body, code] of cases) {
      const res = await call("PATCH", "/v1/admin/org", body, admin);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code, JSON.stringify(body)).toBe(code);
    }
    expect((await call("GET", "/v1/admin/org", undefined, admin)).body).toEqual(before);
  });
});

describe("GET /v1/admin/setup", () => {
  it("lists each step's state, what is missing and the route that fixes it, and follows the fixes", async () => {
    await onboard(company("setup.example", { orgId: "setup-org" }));
    const admin = await adminOf("setup-org");
    const first = await call("GET", "/v1/admin/setup", undefined, admin);
    expect(first.status).toBe(200);
    const byStep = (body: Json) => Object.fromEntries(body.steps.map((s: Json) => [s.step, s]));
    expect(first.body.complete).toBe(false);
    expect(byStep(first.body)).toMatchObject({
      sign_in_method: { state: "done", fix: "PATCH /v1/admin/org" },
      saml: { state: "optional", fix: "PUT /v1/admin/sso" },
      directory: { state: "missing", fix: "PUT /v1/admin/directory/connection" },
      provisioning: { state: "missing", fix: "PUT /v1/admin/provisioning/settings" },
      dial_in: { state: "missing", fix: "PUT /v1/admin/meetings/dial-in", missing: expect.any(String) },
      region_time_zone: { state: "done" },
    });
    const dialIn = await call(
      "PUT",
      "/v1/admin/meetings/dial-in",
      { numbers: [{ country: "GB", number: "+442079460000" }] },
      admin,
    );
    expect(dialIn.status).toBe(200);
    await call("PATCH", "/v1/admin/org", { signInPolicy: { requireSaml: true } }, admin);
    const after = byStep((await call("GET", "/v1/admin/setup", undefined, admin)).body);
    expect(after.dial_in.state).toBe("done");
    expect(after.saml).toMatchObject({
      state: "missing",
      missing: expect.stringMatching(/SAML is required/),
    });
    expect(after.sign_in_method.state).toBe("missing");
  });
});

describe("the org's region drives caller-ID", () => {
  it("with region GB finds a contact saved as 020 7946 0321 by every common way of writing it", async () => {
    await onboard(company("callerid.example", { orgId: "callerid-org", region: "US" }));
    const admin = await adminOf("callerid-org");
    expect((await call("PATCH", "/v1/admin/org", { defaultRegion: "GB" }, admin)).status).toBe(200);
    const saved = await call(
      "POST",
      "/v1/contacts",
      { givenName: "Ada", phones: [{ value: "020 7946 0321" }] },
      admin,
    );
    expect(saved.status).toBe(201);
    for (const typed of ["020 7946 0321", "+44 20 7946 0321", "0044 20 7946 0321"]) {
      const found = await call(
        "GET",
        `/v1/contacts/lookup?phone=${encodeURIComponent(typed)}`,
        undefined,
        admin,
      );
      expect(found.status, typed).toBe(200);
      expect(found.body, typed).toMatchObject({ e164: "+442079460321", contact: { id: saved.body.id } });
    }
  });
});

describe("a region change re-normalises stored numbers", () => {
  it("caller-ID finds a contact saved while the org was US by its +44 form once the admin sets GB", async () => {
    await onboard(company("rereg.example", { orgId: "rereg-org", region: "US" }));
    const admin = await adminOf("rereg-org");
    const saved = await call(
      "POST",
      "/v1/contacts",
      { givenName: "Grace", phones: [{ value: "020 7946 0777" }] },
      admin,
    );
    expect(saved.status).toBe(201);
    // Read in US, a London number has no E.164 form: kept as typed, found by nothing.
    expect(saved.body.phones[0]).toMatchObject({ value: "020 7946 0777", e164: null });
    const lookup = () =>
      call("GET", `/v1/contacts/lookup?phone=${encodeURIComponent("+44 20 7946 0777")}`, undefined, admin);
    expect((await lookup()).body.contact ?? null).toBeNull();

    expect((await call("PATCH", "/v1/admin/org", { defaultRegion: "GB" }, admin)).status).toBe(200);
    // The api asks the contact-sync worker to re-read each user's numbers; it runs through Pub/Sub.
    const found = await eventually(async () => {
      const res = await lookup();
      return res.body.contact ? res.body : undefined;
    });
    expect(found).toMatchObject({ e164: "+442079460777", contact: { id: saved.body.id } });
    const got = await call("GET", `/v1/contacts/${saved.body.id}`, undefined, admin);
    expect(got.body.phones[0]).toMatchObject({ value: "020 7946 0777", e164: "+442079460777" });
    // Typed as a Londoner would, now that the org is GB.
    const local = await call(
      "GET",
      `/v1/contacts/lookup?phone=${encodeURIComponent("020 7946 0777")}`,
      undefined,
      admin,
    );
    expect(local.body.contact?.id).toBe(saved.body.id);
  });
});

async function orgDocsFor(domain: string): Promise<number> {
  const claim = await db.collection(ORG_DOMAINS).doc(domain).get();
  const orgs = await db.collection("orgs").where("primaryDomain", "==", domain).get();
  expect(claim.exists).toBe(orgs.size > 0);
  return orgs.size;
}
