// A contact-sync request that exhausts its delivery budget loses no data: messages only name the user,
// so the next request syncs everything. A People 503 storm outlasts maxDeliveryAttempts, the request
// lands in `contact-sync-dead-letter` (npm run dlq lists it), the user's ordering key moves on, and once
// the storm ends the next request converges both sides. Real path: Pub/Sub emulator → delivery bridge →
// bundled contact-sync function → Workspace simulator over HTTP.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContact } from "../../shared/contacts/contact-commands";
import { firestoreContactRepository } from "../../shared/contacts/contact-repository";
import { requestContactSync } from "../../shared/contacts/contact-sync-messages";
import {
  ALICE,
  connectAlice,
  googleSide,
  localSide,
  startContactsSim,
} from "../../shared/contacts/test/contact-sync-test-support";
import { SECRET } from "../../shared/identity/secret-names";
import { CLIENT, memorySecrets } from "../../shared/identity/test/identity-test-support";
import { newTokenKeyRing } from "../../shared/identity/token-cipher";
import { pubsubPublisher } from "../../shared/platform/pubsub";
import { listDeadLetters } from "../../tools/dlq/dead-letters";
import { type RunningFunction, startFunction } from "../../tools/stack/function-process";
import { type PubSubWiring, pubsubClient, wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import { writeSecretsFile } from "../../tools/testing/function-harness";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { loadManifest } from "../manifest";

const emulators = useEmulators("contactdlq");
// Five deliveries (Pub/Sub's minimum) keep the storm short; each one retries People 5 times in-function.
const spec = { ...loadManifest().functions.find((f) => f.name === "contact-sync")!, maxDeliveryAttempts: 5 };
let fn: RunningFunction;
let sim: RunningWorkspaceSim;
let db: Firestore;
let wiring: PubSubWiring;
const publisher = pubsubPublisher(emulators.projectId);

beforeAll(async () => {
  sim = await startContactsSim();
  db = new Firestore({ projectId: emulators.projectId });
  const secretValues = {
    [SECRET.tokenEncryptionKeys]: newTokenKeyRing("test-1"),
    [SECRET.oauthClientSecret]: CLIENT.clientSecret,
  };
  await connectAlice(sim, emulators.projectId, db, memorySecrets(secretValues));
  fn = await startFunction(spec, {
    env: {
      ...emulators.env,
      SWITCHBOARD_ENV: "test",
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: await writeSecretsFile(secretValues),
      GOOGLE_API_ROOT_URL: `${sim.url}/`,
      GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
      GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
      OAUTH_REDIRECT_URL: "http://127.0.0.1:9/oauth/google/callback",
    },
  });
  wiring = await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => fn.url },
  );
}, 120_000);

afterAll(async () => {
  await wiring?.close();
  await fn?.stop();
  await sim?.stop();
  await db?.terminate();
});

describe("contact sync after a dead-lettered request", () => {
  it("converges once a People 503 storm longer than the delivery budget ends, with the request in the dead-letter topic", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "Made",
      familyName: "In Google",
      phones: ["020 7946 0401"],
    });
    await createContact(
      firestoreContactRepository(db, ALICE),
      { givenName: "Made", familyName: "In Switchboard", phones: [{ value: "020 7946 0402" }] },
      "GB",
      new Date(),
    );
    const storm = sim.control.injectFault({ api: "people", user: ALICE.email, fail: "503" });
    const exhausted = await requestContactSync(publisher, ALICE, "api");

    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    const [letter] = await eventually(async () => {
      const letters = await listDeadLetters(pubsub, "contact-sync");
      return letters.length > 0 ? letters : undefined;
    }, 120_000);
    expect(letter!.messageId).not.toBe("");
    expect(JSON.parse(letter!.data.toString())).toEqual({
      orgId: ALICE.orgId,
      userId: ALICE.userId,
      reason: "api",
    });
    expect(letter!.deliveryCount).toBe(5);
    expect(letter!.sourceSubscription).toBe("contact-sync-push");
    expect(exhausted).toBeTruthy();
    // Nothing crossed during the storm: every People call failed.
    expect(googleSide(sim).some((c) => c.name === "Made In Switchboard")).toBe(false);
    expect(sim.control.requestCount({ api: "people", status: 503 })).toBeGreaterThanOrEqual(5);

    sim.control.removeFault(storm);
    await requestContactSync(publisher, ALICE, "tick"); // the next request, same ordering key
    const final = await eventually(async () => {
      const [local, pending] = [
        await localSide(db),
        await firestoreContactRepository(db, ALICE).listPending(1),
      ];
      return pending.length === 0 && JSON.stringify(local) === JSON.stringify(googleSide(sim))
        ? local
        : undefined;
    }, 60_000);
    expect(final.map((c) => c.name)).toEqual(
      expect.arrayContaining(["Made In Google", "Made In Switchboard"]),
    );
    // The dead letter stays for an operator to see (npm run dlq -- list contact-sync).
    expect((await listDeadLetters(pubsub, "contact-sync")).map((l) => l.messageId)).toEqual([
      letter!.messageId,
    ]);
    await pubsub.close();
  }, 240_000);
});
