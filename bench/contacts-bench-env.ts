// What the contacts benches share: the Firestore emulator, the Workspace simulator seeded with people
// (and generated contacts) in acme.test, identity over both, and each person's Contacts connected. Torn
// down whatever the bench does.
import { Firestore } from "@google-cloud/firestore";
import {
  CLIENT,
  identity,
  recordingPublisher,
  seedGrant,
  testDeps,
  testSecrets,
  type USERS,
} from "../shared/identity/test/identity-test-support";
import { startEmulators } from "../tools/emulators/emulators";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../tools/workspace-sim/src/index";

export interface ContactsBenchEnv {
  db: Firestore;
  sim: RunningWorkspaceSim;
  services: ReturnType<typeof identity>;
}

type Person = (typeof USERS)["alice"];

export async function withContactsBench<T>(
  projectId: string,
  people: Array<{ user: Person; givenName: string; contacts?: number }>,
  run: (env: ContactsBenchEnv) => Promise<T>,
): Promise<T> {
  const emulators = await startEmulators({ projectId });
  process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
  const sim = await startWorkspaceSim({
    seed: {
      domain: "acme.test",
      defaultRegion: "GB",
      users: people.map((p) => ({
        email: p.user.email,
        givenName: p.givenName,
        familyName: "Acme",
        ...(p.contacts ? { generatedContacts: p.contacts } : {}),
      })),
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/cb"] }],
    },
    saml: false,
  });
  const db = new Firestore({ projectId });
  try {
    const services = identity(
      testDeps(sim, { projectId, db, secrets: await testSecrets(), publisher: recordingPublisher() }),
    );
    for (const p of people) await seedGrant(services, sim, p.user, { integrations: ["contacts"] });
    return await run({ db, sim, services });
  } finally {
    await db.terminate();
    await sim.stop();
    await emulators.stop();
  }
}
