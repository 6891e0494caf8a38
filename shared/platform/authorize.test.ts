import { describe, expect, it } from "vitest";
import { authorize, type Principal } from "./http";

const user: Principal = {
  orgId: "acme",
  userId: "u-1",
  email: "a@acme.example",
  role: "user",
  sessionId: "s",
};
const admin: Principal = { ...user, userId: "u-9", role: "admin" };

describe("route authorisation", () => {
  it("lets a user reach their own data in their own org", () => {
    expect(() => authorize({ access: "user" }, user, { org: "acme", user: "u-1" })).not.toThrow();
  });

  it("never lets a user reach another user's data", () => {
    expect(() => authorize({ access: "user" }, user, { org: "acme", user: "u-2" })).toThrow(/not yours/);
  });

  it("never lets anyone, admins included, reach another org", () => {
    expect(() => authorize({ access: "user" }, user, { org: "globex" })).toThrow(/organisation is not yours/);
    expect(() => authorize({ access: "admin" }, admin, { org: "globex", user: "u-1" })).toThrow(
      /organisation is not yours/,
    );
  });

  it("keeps admin routes for admins, who may act on users of their org", () => {
    expect(() => authorize({ access: "admin" }, user, {})).toThrow(/admin/);
    expect(() => authorize({ access: "admin" }, admin, { org: "acme", user: "u-1" })).not.toThrow();
  });
});
