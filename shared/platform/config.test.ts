import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

describe("configuration", () => {
  it("applies defaults to a minimal valid environment", () => {
    const config = parseConfig({ GOOGLE_CLOUD_PROJECT: "switchboard-prod" });
    expect(config).toMatchObject({
      SECRETS_BACKEND: "secret-manager",
      LOG_LEVEL: "INFO",
      MAX_BODY_BYTES: 1048576,
    });
  });

  it("tolerates 30 s of SAML clock skew by default, configurable from 0 to 120 s", () => {
    const base = { GOOGLE_CLOUD_PROJECT: "switchboard-prod" };
    expect(parseConfig(base).SAML_CLOCK_SKEW_MS).toBe(30_000);
    expect(parseConfig({ ...base, SAML_CLOCK_SKEW_MS: "5000" }).SAML_CLOCK_SKEW_MS).toBe(5000);
    expect(() => parseConfig({ ...base, SAML_CLOCK_SKEW_MS: "600000" })).toThrow(/SAML_CLOCK_SKEW_MS/);
  });

  it("names every bad variable at once, without echoing values", () => {
    const error = (() => {
      try {
        parseConfig({
          GOOGLE_CLOUD_PROJECT: "Bad Project",
          LOG_LEVEL: "LOUD",
          FIRESTORE_EMULATOR_HOST: "s3cr3t-no-port",
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "FIRESTORE_EMULATOR_HOST",
      "GOOGLE_CLOUD_PROJECT",
      "LOG_LEVEL",
    ]);
    expect(message).not.toContain("s3cr3t");
  });

  it("requires a secrets file for the local backend and forbids that backend in production", () => {
    expect(() =>
      parseConfig({
        GOOGLE_CLOUD_PROJECT: "switchboard-dev",
        SECRETS_BACKEND: "local",
        SWITCHBOARD_ENV: "local",
      }),
    ).toThrow(/LOCAL_SECRETS_FILE/);
    expect(() =>
      parseConfig({
        GOOGLE_CLOUD_PROJECT: "switchboard-prod",
        SECRETS_BACKEND: "local",
        LOCAL_SECRETS_FILE: "/tmp/s.json",
      }),
    ).toThrow(/not allowed in production/);
  });
});
