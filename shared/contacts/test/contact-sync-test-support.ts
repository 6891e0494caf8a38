// Fixtures for contact sync's tests (not a test file): a simulator org in region GB with a contacts
// user and colleagues, a grant in the vault, and comparisons of both sides.
import type { Firestore } from "@google-cloud/firestore";
import { type RunningWorkspaceSim, startWorkspaceSim } from "../../../tools/workspace-sim/src/index";
import type { PeopleApi } from "../../google/people-api";
import { type IdentityServices, identityServices } from "../../identity/identity-services";
import {
  CLIENT,
  ORG,
  recordingPublisher,
  seedGrant,
  testDeps,
  testSecrets,
  USERS,
} from "../../identity/test/identity-test-support";
import type { SecretStore } from "../../platform/secrets";
import { normaliseFields } from "../contact-model";
import { firestoreContactRepository, type StoredContact } from "../contact-repository";
import type { ContactSyncWorkerDeps } from "../contact-sync-worker";

export const ALICE = { orgId: ORG, userId: USERS.alice.userId, email: USERS.alice.email };
export const CONTACTS_SCOPE = "https://www.googleapis.com/auth/contacts";
export const DIRECTORY_SCOPE = "https://www.googleapis.com/auth/directory.readonly";

export function startContactsSim(): Promise<RunningWorkspaceSim> {
  const user = (u: { email: string }, givenName: string, phones: string[] = []) => ({
    email: u.email,
    givenName,
    familyName: "Acme",
    phones,
  });
  return startWorkspaceSim({
    seed: {
      domain: "acme.test",
      defaultRegion: "GB",
      users: [
        user(USERS.ada, "Ada", ["+44 20 7946 0100"]),
        user(USERS.alice, "Alice"),
        user(USERS.bob, "Bob", ["+44 20 7946 0200"]),
      ],
      oauthClients: [{ ...CLIENT, redirectUris: ["http://127.0.0.1:9/oauth/google/callback"] }],
    },
    saml: false,
  });
}

/** Identity wired to the emulator and the sim, with Alice's contacts grant in the vault. */
export async function connectAlice(
  sim: RunningWorkspaceSim,
  projectId: string,
  db: Firestore,
  secrets?: SecretStore,
): Promise<IdentityServices> {
  const services = identityServices(
    testDeps(sim, {
      projectId,
      db,
      secrets: secrets ?? (await testSecrets()),
      publisher: recordingPublisher(),
    }),
  );
  await seedGrant(services, sim, USERS.alice, {
    integrations: ["contacts"],
    scopes: [CONTACTS_SCOPE, DIRECTORY_SCOPE],
  });
  await db.doc(`orgs/${ORG}`).set({ defaultRegion: "GB" }, { merge: true });
  return services;
}

export function workerDeps(
  sim: RunningWorkspaceSim,
  db: Firestore,
  services: IdentityServices,
  extra: Partial<ContactSyncWorkerDeps> = {},
): ContactSyncWorkerDeps {
  return {
    db: () => db,
    tokens: () => services.tokens(),
    grants: () => services.grants(),
    apiRootUrl: () => sim.url,
    clock: () => new Date(),
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...extra,
  };
}

/** A contact's synced content, comparable across sides: name, E.164 numbers (or raw), lower-case emails. */
export interface Comparable {
  name: string;
  phones: string[];
  emails: string[];
}

const comparable = (f: {
  givenName: string;
  familyName: string;
  phones: Array<{ value: string; e164: string | null }>;
  emails: Array<{ value: string }>;
}): Comparable => ({
  name: [f.givenName, f.familyName].filter(Boolean).join(" "),
  phones: f.phones.map((p) => p.e164 ?? p.value).sort(),
  emails: f.emails.map((e) => e.value.toLowerCase()).sort(),
});

const byName = (a: Comparable, b: Comparable) =>
  a.name.localeCompare(b.name) || a.phones.join().localeCompare(b.phones.join());

/** Google's side: the user's live contacts as the sim holds them. */
export function googleSide(sim: RunningWorkspaceSim, email = ALICE.email): Comparable[] {
  return sim.control
    .contacts(email)
    .map((p) => {
      const person = p as {
        names?: Array<{ givenName?: string; familyName?: string; unstructuredName?: string }>;
        phoneNumbers?: Array<{ value: string; type?: string }>;
        emailAddresses?: Array<{ value: string; type?: string }>;
      };
      const n = person.names?.[0];
      return comparable(
        normaliseFields(
          {
            givenName: n?.givenName ?? n?.unstructuredName,
            familyName: n?.familyName,
            phones: person.phoneNumbers ?? [],
            emails: person.emailAddresses ?? [],
          },
          "GB",
        ),
      );
    })
    .sort(byName);
}

/** Our side: live personal contacts. */
export async function localSide(db: Firestore, user = ALICE): Promise<Comparable[]> {
  return (await livePersonal(db, user)).map((c) => comparable(c.fields)).sort(byName);
}

export async function livePersonal(db: Firestore, user = ALICE): Promise<StoredContact[]> {
  const all = await firestoreContactRepository(db, user).loadAll("personal");
  return all.map((l) => l.contact).filter((c) => !c.deleted);
}

/** Wraps a People port to record calls (and to act as Google between two of them). */
export function recordingPeople(
  inner: PeopleApi,
  hooks: { beforeUpdate?: (resourceName: string) => void; afterList?: (page: number) => void } = {},
) {
  const calls: Array<{ method: string; pageToken?: string | undefined; syncToken?: string | undefined }> = [];
  let lists = 0;
  const api: PeopleApi = {
    async listConnections(r) {
      calls.push({ method: "list", pageToken: r.pageToken, syncToken: r.syncToken });
      const page = await inner.listConnections(r);
      hooks.afterList?.(++lists);
      return page;
    },
    listDirectory: (r) => {
      calls.push({ method: "directory", pageToken: r.pageToken });
      return inner.listDirectory(r);
    },
    get: (rn) => {
      calls.push({ method: "get" });
      return inner.get(rn);
    },
    create: (p, id) => {
      calls.push({ method: "create" });
      return inner.create(p, id);
    },
    update: async (rn, etag, p) => {
      calls.push({ method: "update" });
      hooks.beforeUpdate?.(rn);
      return inner.update(rn, etag, p);
    },
    delete: (rn) => {
      calls.push({ method: "delete" });
      return inner.delete(rn);
    },
    batchCreate: (items) => {
      calls.push({ method: "batchCreate" });
      return inner.batchCreate(items);
    },
    batchDelete: (names) => {
      calls.push({ method: "batchDelete" });
      return inner.batchDelete(names);
    },
    batchUpdate: async (items) => {
      calls.push({ method: "batchUpdate" });
      for (const i of items) hooks.beforeUpdate?.(i.resourceName);
      return inner.batchUpdate(items);
    },
  };
  return { api, calls };
}
