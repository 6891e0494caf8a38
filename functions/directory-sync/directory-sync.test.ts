// The bundled directory-sync function through the real push path: a full-sync message published to the
// Pub/Sub emulator reaches the function, which authenticates with the service-account key from its
// secrets (JWT token URL from GOOGLE_OAUTH_BASE_URL, i.e. the simulator), syncs and provisions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { DirectorySyncMessage } from "../../shared/directory/directory-sync-worker";
import { firestoreProvisioningSettings } from "../../shared/directory/provisioning-settings";
import {
  ACME,
  type DirectoryFunctionFixture,
  startDirectoryFunction,
} from "../../shared/directory/test/directory-function-support";
import { defaultSettings } from "../../shared/directory/test/directory-test-support";
import { pubsubPublisher } from "../../shared/platform/pubsub";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import { pullPublished } from "../../tools/testing/function-harness";

const emulators = useEmulators("dirsyncfn");
let f: DirectoryFunctionFixture;

beforeAll(async () => {
  f = await startDirectoryFunction("directory-sync", emulators, {
    people: ["Ada", "Bob"],
    topics: ["audit-events", "user-provisioning"],
  });
  await firestoreProvisioningSettings(f.db).save(ACME.org, defaultSettings());
});

afterAll(() => f?.stop());

describe("directory-sync function", () => {
  it("a full-sync message syncs the org through delegation and provisions the people in scope", async () => {
    await pubsubPublisher(emulators.projectId).publish(DirectorySyncMessage, {
      kind: "full-sync",
      orgId: ACME.org,
      reason: "connect",
    });
    const users = firestoreUserRepository(f.db);
    const accounts = await eventually(async () => {
      const all = await users.listAll(ACME.org);
      return all.length === 2 ? all : undefined;
    });
    expect(accounts.map((a) => a.email).sort()).toEqual(["ada@acme.example", "bob@acme.example"]);
    expect(f.sim.control.requestCount({ method: "directory.users.list", status: 200 })).toBe(1);
    const events = (await pullPublished(emulators, "user-provisioning")) as Array<{ action: string }>;
    expect(events.map((e) => e.action)).toEqual(["created", "created"]);
  });
});
