// Service accounts with domain-wide delegation: the real JWT client signs an assertion, the sim
// checks the signature and that the org delegated the requested scopes to the account's client id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWorkspaceSim, SCOPES, simServiceAccountClient } from "../index";
import { ADMIN, directoryClient, googleError, SERVICE_ACCOUNT, startTestSim } from "../test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

describe("JWT-bearer grant", () => {
  it("acting as an admin (sub) with delegated scopes, the Directory API answers", async () => {
    const jwt = simServiceAccountClient(sim.url, sim.control.serviceAccountKey(SERVICE_ACCOUNT), {
      scopes: [SCOPES.adminUserReadonly],
      subject: ADMIN,
    });
    const res = await directoryClient(sim, jwt).users.list({ customer: "my_customer" });
    expect(res.data.users?.map((u) => u.primaryEmail)).toContain(ADMIN);
    expect(sim.control.requestCount({ method: "oauth.token", user: ADMIN })).toBe(1);
  });

  it("refuses scopes the organisation did not delegate with 401 unauthorized_client", async () => {
    const jwt = simServiceAccountClient(sim.url, sim.control.serviceAccountKey(SERVICE_ACCOUNT), {
      scopes: [SCOPES.adminUser],
      subject: ADMIN,
    });
    const err = await googleError(jwt.authorize());
    expect(err.status).toBe(401);
    expect(err.body.error).toBe("unauthorized_client");
  });

  it("refuses an assertion signed with another key", async () => {
    const key = sim.control.serviceAccountKey(SERVICE_ACCOUNT);
    const { generateKeyPairSync } = await import("node:crypto");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const jwt = simServiceAccountClient(
      sim.url,
      { ...key, private_key: other },
      { scopes: [SCOPES.adminUserReadonly], subject: ADMIN },
    );
    const err = await googleError(jwt.authorize());
    expect(err.body).toEqual({ error: "invalid_grant", error_description: "Invalid JWT Signature." });
  });

  it("a delegated non-admin user cannot read the directory (403 Not Authorized)", async () => {
    const jwt = simServiceAccountClient(sim.url, sim.control.serviceAccountKey(SERVICE_ACCOUNT), {
      scopes: [SCOPES.adminUserReadonly],
      subject: "bob@acme.test",
    });
    const err = await googleError(directoryClient(sim, jwt).users.list({ customer: "my_customer" }));
    expect(err.status).toBe(403);
    expect(err.body.error).toMatchObject({
      message: "Not Authorized to access this resource/api",
      errors: [{ reason: "forbidden" }],
    });
  });
});
