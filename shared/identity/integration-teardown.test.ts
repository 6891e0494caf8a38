import { describe, expect, it } from "vitest";
import { isAppError } from "../platform/errors";
import { type IntegrationTeardown, teardownRegistry } from "./integration-teardown";

const USER = { orgId: "o", userId: "u" };

function recording(log: string[]) {
  const teardown = (
    name: string,
    stage: IntegrationTeardown["stage"],
    fail = false,
  ): IntegrationTeardown => ({
    name,
    stage,
    integrations: ["calendar", "gmail"],
    async run({ integration }) {
      log.push(`${name}:${integration}`);
      if (fail) throw new Error("Google is down");
    },
  });
  return teardown;
}

describe("teardownRegistry.disconnect", () => {
  it("stops while the grant works, detaches, then forgets the data", async () => {
    const log: string[] = [];
    const t = recording(log);
    const registry = teardownRegistry([t("cache", "forget"), t("channels", "stop")]);
    const result = await registry.disconnect(USER, ["calendar"], async () => {
      log.push("detach");
      return true;
    });
    expect(log).toEqual(["channels:calendar", "detach", "cache:calendar"]);
    expect(result).toEqual({ detached: true, ran: ["channels", "cache"] });
  });

  it("keeps the grant when a stop fails, naming what could not be stopped (retryable)", async () => {
    const log: string[] = [];
    const t = recording(log);
    const registry = teardownRegistry([t("channels", "stop", true), t("cache", "forget")]);
    const error = await registry
      .disconnect(USER, ["calendar", "gmail"], async () => log.push("detach"))
      .catch((e: unknown) => e);
    expect(isAppError(error) && error.retryable && error.details?.failed).toEqual(["channels"]);
    expect(log).toEqual(["channels:calendar", "channels:gmail"]);
  });

  it("runs only the teardowns of the integrations being disconnected", async () => {
    const log: string[] = [];
    const registry = teardownRegistry([
      { name: "contacts", stage: "forget", integrations: ["contacts"], run: async () => void log.push("x") },
    ]);
    await registry.disconnect(USER, ["calendar"], async () => undefined);
    expect(log).toEqual([]);
  });
});
