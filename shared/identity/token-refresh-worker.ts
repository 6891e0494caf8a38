// The token-refresh function: on each scheduler tick, refreshes the access tokens of grants that
// background work depends on (keepAlive) before they expire, so a push-triggered sync never waits on the
// token endpoint and a dead refresh token is found (needs_reauth) before a user misses an update.
// Grants idle for long are left alone: they refresh on use. One tick runs to completion once, however
// often delivered: done only after its last page, each page checkpointed, so a crashed tick's
// redelivery finishes the rest.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type DecodedMessage, pubSubHandler } from "../platform/cloudevent";
import { runSlotOnce } from "../platform/idempotency";
import { type Logger, logger as rootLogger } from "../platform/logger";
import { defineMessage } from "../platform/messages";
import type { KeepAliveOutcome } from "./access-token-provider";
import { keyOf } from "./grant-repository";
import type { IdentityServices } from "./identity-services";

export const TOKEN_REFRESH_TICKS_TOPIC = "token-refresh-ticks";

/** What Cloud Scheduler publishes (tools/stack/scheduler.ts scheduledMessage, Terraform's job body). */
export const TokenRefreshTick = defineMessage(
  TOKEN_REFRESH_TICKS_TOPIC,
  z.object({ function: z.string(), schedule: z.string(), timeZone: z.string() }),
);

export interface KeepAliveOptions {
  /** The schedule's period: ticks within one period are the same tick. */
  tickMs: number;
  /** Refresh tokens that expire before the next tick plus this margin. */
  marginMs: number;
  /** Grants unused for longer are not kept alive. */
  idleAfterMs: number;
  pageSize: number;
  /** A cap per tick; the rest (soonest-expiring first) waits for the next tick. */
  maxGrantsPerTick: number;
  concurrency: number;
  /** How long a crashed tick keeps its slot before a redelivery takes over (renewed while running). */
  tickLeaseMs: number;
}

export const KEEP_ALIVE_DEFAULTS: KeepAliveOptions = {
  tickMs: 30 * 60_000,
  marginMs: 10 * 60_000,
  idleAfterMs: 7 * 24 * 3600_000,
  pageSize: 100,
  maxGrantsPerTick: 2000,
  concurrency: 8,
  tickLeaseMs: 60_000,
};

export type KeepAliveReport = { tick: string; duplicate: boolean } & Partial<
  Record<KeepAliveOutcome | "idle" | "failed", number>
>;

/** One tick: claim it, then page through due keep-alive grants and refresh each (bounded concurrency). */
export async function keepGrantsAlive(
  services: IdentityServices,
  publishTime: Date,
  log: Logger,
  options: KeepAliveOptions = KEEP_ALIVE_DEFAULTS,
): Promise<KeepAliveReport> {
  // The tick id is the schedule slot, not the message id: a scheduler that publishes twice for one slot
  // and Pub/Sub redeliveries both land on the same claim.
  const slot = new Date(Math.floor(publishTime.getTime() / options.tickMs) * options.tickMs).toISOString();
  const tick = `token-refresh:${slot}`;
  const report: KeepAliveReport = { tick, duplicate: false };
  const count = (k: keyof Omit<KeepAliveReport, "tick" | "duplicate">) => {
    report[k] = (report[k] ?? 0) + 1;
  };
  const now = services.deps.clock();
  const horizonMs = options.tickMs + options.marginMs;
  const before = new Date(now.getTime() + horizonMs);
  const run = await runSlotOnce<void, { cursor: string; seen: number }>(
    services.db(),
    tick,
    { leaseMs: options.tickLeaseMs, owner: randomUUID() },
    async ({ resumeFrom, checkpoint }) => {
      let cursor: string | undefined = resumeFrom?.cursor;
      let seen = resumeFrom?.seen ?? 0;
      do {
        const page = await services.grants().dueForKeepAlive(before, options.pageSize, cursor);
        cursor = page.cursor;
        const queue = [...page.grants];
        seen += queue.length;
        const worker = async () => {
          for (let grant = queue.shift(); grant; grant = queue.shift()) {
            if (now.getTime() - grant.lastUsedAt.getTime() > options.idleAfterMs) {
              count("idle");
              continue;
            }
            try {
              count(await services.tokens().keepAlive(keyOf(grant), horizonMs));
            } catch (error) {
              // One grant's transient failure must not cost the others their refresh; the next tick retries it.
              count("failed");
              log.warn("token_refresh.failed", { grantId: grant.grantId, orgId: grant.orgId, error });
            }
          }
        };
        await Promise.all(Array.from({ length: options.concurrency }, worker));
        if (cursor) await checkpoint({ cursor, seen });
      } while (cursor && seen < options.maxGrantsPerTick);
    },
  );
  if (!run.done) {
    log.info("token_refresh.duplicate_tick", { tick });
    return { tick, duplicate: true };
  }
  log.info("token_refresh.tick_done", { ...report });
  return report;
}

/** The function's handler; `deps` defaults to the process environment (tests pass their own). */
export function createTokenRefreshHandler(
  identity: () => IdentityServices,
  log: () => Logger = rootLogger,
  options: () => KeepAliveOptions = () => KEEP_ALIVE_DEFAULTS,
) {
  return pubSubHandler(
    TokenRefreshTick,
    async (message: DecodedMessage<unknown>, eventLog) => {
      const services = identity();
      const publishTime = message.publishTime ? new Date(message.publishTime) : services.deps.clock();
      await keepGrantsAlive(services, publishTime, eventLog, options());
    },
    log,
  );
}
