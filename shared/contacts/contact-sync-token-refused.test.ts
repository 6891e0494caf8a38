// The journey bug: one 401 from Google ("ACCESS_TOKEN_TYPE_UNSUPPORTED", a token that died before its
// expiry) stopped contact sync for good while the integration still showed "connected". Through the
// contact-sync function's handler (the ack/redeliver policy), the real People adapter, the simulator
// and the Firestore emulator: a refused token is refreshed once and the sync carries on; a refreshed
// token refused again, or a refresh answering invalid_grant, marks the grant needs_reauth and the
// message is acknowledged, never redelivered in a loop.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useEmulators } from "../../tools/testing/emulator-env";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { keyOf } from "../identity/grant-repository";
import type { IdentityServices } from "../identity/identity-services";
import { CLIENT, seedGrant, USERS } from "../identity/test/identity-test-support";
import { ContactSyncRequested } from "./contact-sync-messages";
import { createContactSyncHandler } from "./contact-sync-worker";
import {
  ALICE,
  CONTACTS_SCOPE,
  connectAlice,
  DIRECTORY_SCOPE,
  googleSide,
  localSide,
  startContactsSim,
  workerDeps,
} from "./test/contact-sync-test-support";

const emulators = useEmulators("contacts-401");
let sim: RunningWorkspaceSim;
let db: Firestore;
let services: IdentityServices;

beforeAll(async () => {
  sim = await startContactsSim();
  db = new Firestore({ projectId: emulators.projectId });
  services = await connectAlice(sim, emulators.projectId, db);
});
afterAll(async () => {
  await sim?.stop();
  await db?.terminate();
});
beforeEach(async () => {
  sim.control.clearFaults();
  // A connected grant with a fresh access token (an hour left by our clock) for every scenario.
  await seedGrant(services, sim, USERS.alice, {
    integrations: ["contacts"],
    scopes: [CONTACTS_SCOPE, DIRECTORY_SCOPE],
  });
  sim.control.clearRequestLog();
});

let delivery = 0;
/** One Pub/Sub delivery into the function's handler; resolves when acknowledged, rejects when redelivered. */
function deliver(): Promise<void> {
  const messageId = `m-${++delivery}`;
  const data = ContactSyncRequested.schema.parse({ orgId: ALICE.orgId, userId: ALICE.userId, reason: "api" });
  return createContactSyncHandler(() => workerDeps(sim, db, services))({
    id: messageId,
    specversion: "1.0",
    type: "google.cloud.pubsub.topic.v1.messagePublished",
    source: "//pubsub.googleapis.com/projects/p/topics/contact-sync",
    data: {
      message: { data: Buffer.from(JSON.stringify(data)).toString("base64"), messageId },
    },
  } as never);
}

const grant = async () =>
  (await services.grants().findForIntegration(ALICE.orgId, ALICE.userId, "contacts"))!;
const peopleCalls = (status: number) => sim.control.requestCount({ api: "people", status });
const refreshes = () => sim.control.requestCount({ method: "oauth.token", status: 200 });

describe("contact sync when Google refuses a token that has not expired", () => {
  it("refreshes once and carries on: the contacts arrive and the integration stays connected", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "After",
      familyName: "Refusal",
      phones: ["020 7946 0401"],
    });
    expect(sim.control.killAccessTokens(ALICE.email, CLIENT.clientId)).toBeGreaterThan(0);

    await deliver();

    expect(peopleCalls(401)).toBe(1);
    expect(refreshes()).toBe(1);
    expect((await localSide(db)).map((c) => c.name)).toContain("After Refusal");
    expect(await localSide(db)).toEqual(googleSide(sim));
    expect(await grant()).toMatchObject({ status: "connected", lastError: null });
  });

  it("a refreshed token refused again marks needs_reauth, acknowledges the message, and later ticks skip", async () => {
    sim.control.injectFault({ api: "people", user: ALICE.email, fail: "401" });

    await expect(deliver()).resolves.toBeUndefined(); // acknowledged: redelivery cannot fix it

    expect(peopleCalls(401)).toBe(2); // the first token, then the refreshed one
    expect(refreshes()).toBe(1);
    expect(await grant()).toMatchObject({
      status: "needs_reauth",
      accessToken: null,
      lastError: expect.stringMatching(/^unauthenticated: /),
    });
    sim.control.clearRequestLog();
    await deliver();
    expect(sim.control.requestCount({})).toBe(0); // skipped from the stored status, nothing sent to Google
  });

  it("a refusal whose refresh answers invalid_grant (revoked at Google) marks needs_reauth", async () => {
    sim.control.revokeGrant(ALICE.email, CLIENT.clientId);
    sim.control.advanceClock(sim.control.settings().oauth.revocationLagMs);

    await expect(deliver()).resolves.toBeUndefined();

    expect(peopleCalls(401)).toBe(1);
    expect(sim.control.requestCount({ method: "oauth.token", status: 400 })).toBe(1);
    const after = await grant();
    expect(after.status).toBe("needs_reauth");
    expect(after.lastError).toBe("invalid_grant: Token has been expired or revoked.");
    expect(await services.grants().get(keyOf(after))).toMatchObject({ status: "needs_reauth" });
  });
});
