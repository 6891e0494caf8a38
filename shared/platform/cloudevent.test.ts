import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pubSubHandler } from "./cloudevent";
import { recordDeliveryFailuresWith } from "./delivery-failures";
import { AppError } from "./errors";
import { createLogger } from "./logger";
import { defineMessage } from "./messages";

const Ping = defineMessage("pings", z.object({ n: z.number().int() }));
const lines: Array<Record<string, unknown>> = [];
const log = createLogger({
  level: "DEBUG",
  write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
});

const event = (data: unknown, id = "m-1") =>
  ({
    id,
    specversion: "1.0",
    type: "google.cloud.pubsub.topic.v1.messagePublished",
    source: "//pubsub.googleapis.com/projects/p/topics/pings",
    data: {
      message: {
        data: Buffer.from(typeof data === "string" ? data : JSON.stringify(data)).toString("base64"),
        messageId: id,
        attributes: { a: "1" },
      },
    },
  }) as const;

describe("Pub/Sub CloudEvent handling", () => {
  it("decodes and validates the payload, keeping the message id and attributes", async () => {
    const seen: unknown[] = [];
    await pubSubHandler(
      Ping,
      async (m) => void seen.push(m),
      () => log,
    )(event({ n: 3 }, "m-9"));
    expect(seen).toEqual([
      { messageId: "m-9", publishTime: undefined, attributes: { a: "1" }, payload: { n: 3 } },
    ]);
  });

  it("acknowledges (does not throw) a payload that breaks the schema, and logs why", async () => {
    let called = false;
    await expect(
      pubSubHandler(
        Ping,
        async () => {
          called = true;
        },
        () => log,
      )(event({ n: "three" })),
    ).resolves.toBeUndefined();
    expect(called).toBe(false);
    expect(lines.at(-1)).toMatchObject({
      severity: "ERROR",
      event: "event.malformed",
      reason: expect.stringMatching(/pings.*n:/),
    });
  });

  it("acknowledges data that is not JSON", async () => {
    await expect(
      pubSubHandler(
        Ping,
        async () => {},
        () => log,
      )(event("{{{")),
    ).resolves.toBeUndefined();
    expect(lines.at(-1)).toMatchObject({ event: "event.malformed" });
  });

  it("throws a transient failure so Pub/Sub redelivers", async () => {
    const handler = pubSubHandler(
      Ping,
      async () => {
        throw new AppError("upstream_unavailable", "Google said 503");
      },
      () => log,
    );
    await expect(handler(event({ n: 1 }))).rejects.toThrow(/503/);
  });

  it("counts each failed delivery for the org its message names, with the error's code and nothing of its text", async () => {
    const recorded: unknown[] = [];
    recordDeliveryFailuresWith({ record: async (f) => void recorded.push(f) });
    try {
      const Sync = defineMessage("syncs", z.object({ orgId: z.string() }));
      const handler = pubSubHandler(
        Sync,
        async () => {
          throw new AppError("upstream_unavailable", "Google said 503 for token ya29.secret");
        },
        () => log,
      );
      await expect(handler(event({ orgId: "org-a" }, "m-9"))).rejects.toThrow(/503/);
      // A permanent failure is acknowledged: not a delivery failure.
      const permanent = pubSubHandler(
        Sync,
        async () => {
          throw new AppError("validation_failed", "never");
        },
        () => log,
      );
      await permanent(event({ orgId: "org-a" }, "m-10"));
      expect(recorded).toEqual([
        { topic: "syncs", messageId: "m-9", orgId: "org-a", reason: "upstream_unavailable" },
      ]);
    } finally {
      recordDeliveryFailuresWith(undefined);
    }
  });

  it("acknowledges a permanent failure after logging it", async () => {
    const handler = pubSubHandler(
      Ping,
      async () => {
        throw new AppError("not_found", "user is gone");
      },
      () => log,
    );
    await expect(handler(event({ n: 1 }))).resolves.toBeUndefined();
    expect(lines.at(-1)).toMatchObject({ event: "event.failed_permanently", code: "not_found" });
  });

  it("acknowledges a defect in our own code (a TypeError) with one error line, instead of redelivering it", async () => {
    const handler = pubSubHandler(
      Ping,
      async () => {
        const missing = undefined as unknown as { id: string };
        void missing.id; // TypeError: Cannot read properties of undefined
      },
      () => log,
    );
    const before = lines.length;
    await expect(handler(event({ n: 1 }))).resolves.toBeUndefined();
    expect(lines.slice(before)).toEqual([
      expect.objectContaining({ event: "event.failed_bug", severity: "ERROR" }),
    ]);
  });

  it("still redelivers a network failure, even one fetch reports as a TypeError", async () => {
    const handler = pubSubHandler(
      Ping,
      async () => {
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("read"), { code: "ECONNRESET" }),
        });
      },
      () => log,
    );
    await expect(handler(event({ n: 1 }))).rejects.toThrow("fetch failed");
    expect(lines.at(-1)).toMatchObject({ event: "event.failed_will_retry" });
  });
});
