// Fixtures for the sidebar's scenario tests and bench (not a test file): the simulator with the acme org,
// the emulators, a connected grant per user, and the sidebar + consent routes over real HTTP.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Firestore } from "@google-cloud/firestore";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { RunningWorkspaceSim } from "../../../tools/workspace-sim/src/index";
import { contactEmailsQuery, orgDefaultRegion } from "../../contacts";
import { consentRoutes } from "../../identity/consent-routes";
import type { IdentityServices } from "../../identity/identity-services";
import { defaultTeardowns } from "../../identity/integration-teardown";
import type { IntegrationName } from "../../identity/integrations";
import { bearerAuthenticator, sessionTokenService } from "../../identity/session-tokens";
import {
  identity,
  ORG,
  recordingPublisher,
  seedGrant,
  silentLog,
  startSim,
  type TestUser,
  testDeps,
  testSecrets,
} from "../../identity/test/identity-test-support";
import { firestoreOrgRepository } from "../../orgs/org-repository";
import { orgRoutes } from "../../orgs/org-routes";
import { createHttpHandler } from "../../platform/http";
import type { SecretStore } from "../../platform/secrets";
import { sidebarRoutes } from "../sidebar-routes";
import { type SidebarDeps, type SidebarServices, sidebarServices } from "../sidebar-services";
import { sidebarCacheTeardown } from "../sidebar-teardown";

export const APP = "https://app.acme.test";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export type ResponseBody = any;

export interface SidebarHarness {
  sim: RunningWorkspaceSim;
  db: Firestore;
  services: IdentityServices;
  sidebar: SidebarServices;
  base: string;
  connect(user: TestUser, integrations: IntegrationName[]): Promise<void>;
  api(
    user: TestUser,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: ResponseBody; headers: Headers }>;
  stop(): Promise<void>;
}

/** What the sidebar asks of contacts, over the test's Firestore (as the composition root wires it). */
export const sidebarPorts = (db: Firestore) => ({
  firestore: () => db,
  contactEmails: contactEmailsQuery(() => db),
  countryOf: (orgId: string) => orgDefaultRegion(db, orgId),
});

export async function startSidebarHarness(
  projectId: string,
  name: string,
  options: Partial<
    Pick<SidebarDeps, "timeoutMs" | "freshMs" | "staleMs" | "gmailMode" | "currentMeeting" | "wrapCache">
  > = {},
): Promise<SidebarHarness> {
  const sim = await startSim();
  const secrets: SecretStore = await testSecrets();
  const db = new Firestore({ projectId });
  const teardowns = defaultTeardowns(() => db);
  const deps = { ...testDeps(sim, { projectId, secrets, publisher: recordingPublisher(), db }), teardowns };
  const services = identity(deps);
  const sidebar = sidebarServices({
    ...sidebarPorts(db),
    tokens: () => services.tokens(),
    apiRootUrl: sim.url,
    webOrigin: APP,
    log: silentLog,
    ...options,
  });
  teardowns.register(sidebarCacheTeardown(() => sidebar.cache()));
  const sessions = sessionTokenService(secrets);
  // The org's settings too: an admin sets the region the meeting block orders dial-in numbers by.
  const settings = orgRoutes({
    orgs: firestoreOrgRepository(db),
    publisher: deps.publisher,
    clock: () => sim.control.now(),
  });
  const routes = [...sidebarRoutes(sidebar.routeDeps()), ...consentRoutes(services), ...settings];
  const handler = createHttpHandler(routes, {
    maxBodyBytes: 64 * 1024,
    log: silentLog,
    authenticate: bearerAuthenticator(() => sessions),
  });
  http(name, (req, res) => handler(req, res));
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sim,
    db,
    services,
    sidebar,
    base,
    async connect(user, integrations) {
      await seedGrant(services, sim, user, { integrations });
    },
    async api(user, method, path, body) {
      const { accessToken } = await sessions.issue({ orgId: ORG, ...user, sessionId: `s-${user.userId}` });
      const res = await fetch(`${base}${path}`, {
        method,
        redirect: "manual",
        headers: {
          authorization: `Bearer ${accessToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.stop();
      await db.terminate();
    },
  };
}

/** Shared mail, documents and events between alice and bob, plus decoys that must not show. */
export function seedSharedHistory(sim: RunningWorkspaceSim, me: string, them: string, other: string) {
  const now = sim.control.now().getTime();
  const h = 3600_000;
  const mail = sim.control.gmail;
  mail.sendEmail({ from: them, to: [me], subject: "Quarterly numbers", at: now - 5 * h });
  mail.sendEmail({ from: me, to: [them], subject: "Re: Quarterly numbers", at: now - 2 * h });
  mail.sendEmail({ from: other, to: [me], cc: [them], subject: "Offsite plan", at: now - 1 * h });
  mail.sendEmail({ from: other, to: [me], subject: "Unrelated", at: now - 0.5 * h });
  const drive = sim.control.drive;
  const day = 24 * h;
  drive.createFile({
    name: "Plan",
    owner: me,
    modifiedTime: now - day,
    shares: [{ email: them, role: "writer" }],
  });
  drive.createFile({
    name: "Budget",
    owner: them,
    modifiedTime: now - 2 * h,
    shares: [{ email: me, role: "reader" }],
  });
  drive.createFile({
    name: "Notes",
    owner: me,
    modifiedTime: now - 3 * day,
    shares: [{ email: them, role: "reader" }],
  });
  drive.createFile({
    name: "Old",
    owner: me,
    modifiedTime: now - 5 * day,
    shares: [{ email: them, role: "writer" }],
  });
  drive.createFile({
    name: "Private",
    owner: me,
    modifiedTime: now,
    shares: [{ email: other, role: "writer" }],
  });
  const cal = sim.control.calendar;
  const at = (ms: number) => new Date(Math.floor((now + ms) / h) * h).toISOString();
  cal.createEvent(me, {
    summary: "Design review",
    start: { dateTime: at(day) },
    end: { dateTime: at(day + h) },
    attendees: [{ email: them }],
  });
  cal.createEvent(them, {
    summary: "Kick-off",
    start: { dateTime: at(3 * day) },
    end: { dateTime: at(3 * day + h) },
    attendees: [{ email: me }],
  });
  cal.createEvent(me, {
    summary: "Retro",
    start: { dateTime: at(-2 * day) },
    end: { dateTime: at(-2 * day + h) },
    attendees: [{ email: them }],
  });
  cal.createEvent(me, {
    summary: "Other sync",
    start: { dateTime: at(2 * h) },
    end: { dateTime: at(3 * h) },
    attendees: [{ email: other }],
  });
}
