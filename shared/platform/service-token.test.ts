import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { memorySecrets } from "../identity/test/identity-test-support";
import { AppError } from "./errors";
import { bearerMatches, requireTelephonyService, TELEPHONY_SECRET } from "./service-token";

const SECRET = randomBytes(32).toString("base64url");

describe("bearerMatches", () => {
  it("matches only the exact secret, with the Bearer scheme", () => {
    expect(bearerMatches(`Bearer ${SECRET}`, SECRET)).toBe(true);
    expect(bearerMatches(SECRET, SECRET)).toBe(false);
    expect(bearerMatches(`Bearer ${SECRET.slice(1)}`, SECRET)).toBe(false);
    expect(bearerMatches(undefined, SECRET)).toBe(false);
    expect(bearerMatches("Bearer short", "short")).toBe(false); // a too-short configured secret never matches
  });
});

describe("requireTelephonyService", () => {
  const secrets = memorySecrets({ [TELEPHONY_SECRET]: SECRET });
  it("lets the telephony service through and refuses anyone else with 401", async () => {
    await requireTelephonyService(secrets, `Bearer ${SECRET}`);
    const refused = await requireTelephonyService(secrets, "Bearer someone-else").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(401);
  });
});
