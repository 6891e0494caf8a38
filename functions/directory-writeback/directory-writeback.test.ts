// The bundled directory-writeback function through the real push path: a user message published (with
// its per-user ordering key) to the Pub/Sub emulator reaches the function over an ordered push
// subscription; the function reads the record from Firestore, authenticates with the service-account
// key from its secrets (the write scope delegated), and writes the number into the simulated Workspace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { newOpCounter } from "../../shared/directory/directory-snapshot";
import {
  ACME,
  type DirectoryFunctionFixture,
  startDirectoryFunction,
} from "../../shared/directory/test/directory-function-support";
import { requestWriteBack } from "../../shared/directory/writeback/writeback-messages";
import { firestoreWriteBackRecords } from "../../shared/directory/writeback/writeback-records";
import { firestoreWriteBackSettings } from "../../shared/directory/writeback/writeback-settings";
import { pubsubPublisher } from "../../shared/platform/pubsub";
import { useEmulators } from "../../tools/testing/emulator-env";
import { eventually } from "../../tools/testing/eventually";
import { pullPublished } from "../../tools/testing/function-harness";

const emulators = useEmulators("dirwbfn");
const ADA = `ada@${ACME.domain}`;
let f: DirectoryFunctionFixture;

beforeAll(async () => {
  f = await startDirectoryFunction("directory-writeback", emulators, {
    people: ["Ada"],
    extraScopes: ["https://www.googleapis.com/auth/admin.directory.user"],
    topics: ["audit-events"],
  });
  f.sim.control.setUserPhones(ADA, [{ value: "+14155550100", type: "work" }]);
  await firestoreWriteBackSettings(f.db).save(ACME.org, { enabled: true });
  // Ada's account as provisioning left it.
  await firestoreUserRepository(f.db).save({
    id: "ws-ada",
    orgId: ACME.org,
    email: ADA,
    role: "user",
    status: "active",
    licensed: true,
    managedBy: "provisioning",
    workspaceId: String(f.sim.control.userResource(ADA).id),
  });
});

afterAll(() => f?.stop());

describe("directory-writeback function", () => {
  it("a queued user message writes the assigned number once, however often it is published", async () => {
    const records = firestoreWriteBackRecords(f.db, newOpCounter());
    await records.change(
      ACME.org,
      "ws-ada",
      { numbers: { directNumber: "+14155550123", extension: "204" } },
      new Date(),
    );
    const publisher = pubsubPublisher(emulators.projectId);
    await requestWriteBack(publisher, ACME.org, "ws-ada");
    await requestWriteBack(publisher, ACME.org, "ws-ada"); // a duplicate publish
    await eventually(async () => {
      const record = await records.get(ACME.org, "ws-ada");
      return record?.status === "in_sync" && !record.pending ? record : undefined;
    });
    expect(f.sim.control.userResource(ADA).phones).toEqual([
      { value: "+14155550100", type: "work" },
      { value: "+14155550123", type: "custom", customType: "Switchboard" },
      { value: "204", type: "custom", customType: "Switchboard extension" },
    ]);
    // Both messages are handled; the second finds Google already showing the values.
    await eventually(async () =>
      f.sim.control.requestCount({ method: "directory.users.get", status: 200 }) >= 2 ? true : undefined,
    );
    expect(f.sim.control.requestCount({ method: "directory.users.update", status: 200 })).toBe(1);
    expect(f.sim.control.requests({ method: "directory.users.update" })[0]?.user).toBe(ACME.admin);
    expect(await pullPublished(emulators, "audit-events")).toEqual([]);
  });
});
