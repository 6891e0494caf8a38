// Contact sync end to end through the real push path: changes made through the API publish to the
// Pub/Sub emulator (ordering key = the user), which pushes over HTTP into the bundled contact-sync
// function under the Functions Framework; it talks to the Workspace simulator with the user's token
// from the vault (seeded through identity's grant repository and cipher) and stores in Firestore.
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContact, deleteContact, updateContact } from "../../shared/contacts/contact-commands";
import { firestoreContactRepository } from "../../shared/contacts/contact-repository";
import { ContactSyncRequested, requestContactSync } from "../../shared/contacts/contact-sync-messages";
import {
  ALICE,
  connectAlice,
  googleSide,
  livePersonal,
  localSide,
  startContactsSim,
} from "../../shared/contacts/test/contact-sync-test-support";
import { SECRET } from "../../shared/identity/secret-names";
import { CLIENT, memorySecrets } from "../../shared/identity/test/identity-test-support";
import { newTokenKeyRing } from "../../shared/identity/token-cipher";
import { pubsubPublisher } from "../../shared/platform/pubsub";
import { type RunningFunction, startFunction } from "../../tools/stack/function-process";
import { pubsubClient, pushEndpoint, wirePubSub } from "../../tools/stack/pubsub-wiring";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually, jsonLogCollector } from "../../tools/testing/eventually";
import { writeSecretsFile } from "../../tools/testing/function-harness";
import type { RunningWorkspaceSim } from "../../tools/workspace-sim/src/index";
import { loadManifest } from "../manifest";

const emulators = useEmulators("contactsync");
const spec = loadManifest().functions.find((f) => f.name === "contact-sync")!;
const collector = jsonLogCollector();
const { logs } = collector;
let fn: RunningFunction;
let sim: RunningWorkspaceSim;
let db: Firestore;
const publisher = pubsubPublisher(emulators.projectId);
const repo = () => firestoreContactRepository(db, ALICE);

const logged = (event: string) => logs.filter((l) => l.event === event).length;

/** Both sides hold the same contacts and nothing is waiting to be pushed. */
const converged = async () => {
  const [local, pending] = [await localSide(db), await repo().listPending(1)];
  return pending.length === 0 && JSON.stringify(local) === JSON.stringify(googleSide(sim))
    ? local
    : undefined;
};

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
      LOG_LEVEL: "DEBUG",
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: await writeSecretsFile(secretValues),
      GOOGLE_API_ROOT_URL: `${sim.url}/`,
      GOOGLE_OAUTH_BASE_URL: `${sim.url}/`,
      GOOGLE_OAUTH_CLIENT_ID: CLIENT.clientId,
      OAUTH_REDIRECT_URL: "http://127.0.0.1:9/oauth/google/callback",
    },
    output: collector.output,
  });
  await wirePubSub(
    { functions: [spec] },
    { projectId: emulators.projectId, pubsubHost: emulators.pubsubHost, endpointOf: () => fn.url },
  );
}, 120_000);

afterAll(async () => {
  await fn?.stop();
  await sim?.stop();
  await db?.terminate();
});

describe("contact-sync function (Pub/Sub push → bundled function → People API)", () => {
  it("brings Google's contacts in and takes API creates, edits and deletes to Google", async () => {
    sim.control.addContact(ALICE.email, {
      givenName: "From",
      familyName: "Google",
      phones: ["020 7946 0301"],
    });
    await requestContactSync(publisher, ALICE, "tick");
    await eventually(async () =>
      (await livePersonal(db)).some((c) => c.displayName === "From Google") ? true : undefined,
    );

    const { contact } = await createContact(
      repo(),
      { givenName: "From", familyName: "Api", phones: [{ value: "020 7946 0302" }] },
      "GB",
      new Date(),
    );
    await requestContactSync(publisher, ALICE, "api");
    await eventually(async () => (googleSide(sim).some((c) => c.name === "From Api") ? true : undefined));

    await updateContact(repo(), contact.id, { familyName: "Api Edited" }, undefined, "GB", new Date());
    await requestContactSync(publisher, ALICE, "api");
    await eventually(async () =>
      googleSide(sim).some((c) => c.name === "From Api Edited") ? true : undefined,
    );

    await deleteContact(repo(), contact.id, undefined, new Date());
    await requestContactSync(publisher, ALICE, "api");
    await eventually(async () =>
      googleSide(sim).some((c) => c.name.startsWith("From Api")) ? undefined : true,
    );
    await eventually(converged);
    expect(logged("event.failed_permanently")).toBe(0);
  }, 60_000);

  it("converges without duplicates or lost changes under duplicated and reordered deliveries", async () => {
    // A second push subscription: every message arrives twice with one message id, racing the first.
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic(spec.topic!).createSubscription("contact-sync-redelivery", {
      pushConfig: { pushEndpoint: pushEndpoint(fn.url, emulators.projectId, spec.topic!) },
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { contact } = await createContact(
        repo(),
        { givenName: "Burst", familyName: `N${i}`, phones: [{ value: `020 7946 03${10 + i}` }] },
        "GB",
        new Date(),
      );
      ids.push(contact.id);
      await requestContactSync(publisher, ALICE, "api");
    }
    await updateContact(
      repo(),
      ids[0]!,
      { emails: [{ value: "burst0@example.org" }] },
      undefined,
      "GB",
      new Date(),
    );
    // Out of order: a request published without the ordering key, and an old-looking duplicate.
    await pubsub
      .topic(spec.topic!)
      .publishMessage({ json: ContactSyncRequested.schema.parse({ ...ALICE, reason: "tick" }) });
    await requestContactSync(publisher, ALICE, "api");
    sim.control.editContact(
      ALICE.email,
      (
        sim.control.contacts(ALICE.email) as Array<{
          resourceName: string;
          names?: Array<{ displayName?: string }>;
        }>
      ).find((p) => p.names?.[0]?.displayName === "From Google")!.resourceName,
      { emails: ["google@example.org"] },
    );
    // Google's incremental sync shows an edit only after its write→sync lag (the simulator's default).
    sim.control.advanceClock(sim.control.settings().people.syncLagMs + 1000);
    await requestContactSync(publisher, ALICE, "api");

    const final = await eventually(converged, 40_000);
    expect(final.filter((c) => c.name.startsWith("Burst"))).toHaveLength(4);
    expect(final.find((c) => c.name === "Burst N0")?.emails).toEqual(["burst0@example.org"]);
    expect(final.find((c) => c.name === "From Google")?.emails).toEqual(["google@example.org"]);
    expect(googleSide(sim).filter((c) => c.name.startsWith("Burst"))).toHaveLength(4);
    await pubsub.subscription("contact-sync-redelivery").delete();
    await pubsub.close();
  }, 60_000);

  it("rides out a 429 storm on writes: the change reaches Google once, after backoff and redelivery", async () => {
    sim.control.injectFault({ api: "people", method: "people.createContact", fail: "429", times: 7 });
    await createContact(
      repo(),
      { givenName: "Storm", familyName: "Proof", phones: [{ value: "020 7946 0399" }] },
      "GB",
      new Date(),
    );
    await requestContactSync(publisher, ALICE, "api");
    const final = await eventually(converged, 40_000);
    expect(final.filter((c) => c.name === "Storm Proof")).toHaveLength(1);
    expect(googleSide(sim).filter((c) => c.name === "Storm Proof")).toHaveLength(1);
    expect(sim.control.requestCount({ method: "people.createContact", status: 429 })).toBe(7);
  }, 60_000);
});
