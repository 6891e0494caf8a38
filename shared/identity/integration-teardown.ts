// What disconnecting an integration stops and forgets: its background work at Google (watch channels)
// and its local data (sync cursors, cached data). Capabilities register a teardown for their
// integration. A disconnect runs the "stop" teardowns while the grant can still call Google, then
// detaches the grant, then runs the "forget" teardowns: once the grant no longer serves the integration,
// nothing still holding its token (a sync, a fetch in flight) can write the data back. Teardowns must
// be idempotent: a failed disconnect is retried by running everything again.
import type { Firestore } from "@google-cloud/firestore";
import { AppError } from "../platform/errors";
import { INTEGRATION_NAMES, type IntegrationName } from "./integrations";

export interface TeardownTarget {
  orgId: string;
  userId: string;
  integration: IntegrationName;
}

export interface IntegrationTeardown {
  /** For logs: what this teardown stops, e.g. "calendar watch channels". */
  name: string;
  /** The integrations it applies to. */
  integrations: readonly IntegrationName[];
  /**
   * "stop": work at Google that needs the user's token, run before the grant is detached.
   * "forget": local data only, run after it.
   */
  stage: "stop" | "forget";
  run(target: TeardownTarget): Promise<void>;
}

export interface TeardownRegistry {
  register(teardown: IntegrationTeardown): void;
  /**
   * Every "stop" teardown of the integrations, then `detach` (revoke, remove them from the grant), then
   * every "forget" teardown. Throws a retryable error naming the teardowns that failed; a failed stop
   * keeps the grant (its token is still needed to stop).
   */
  disconnect<T>(
    user: { orgId: string; userId: string },
    integrations: readonly IntegrationName[],
    detach: () => Promise<T>,
  ): Promise<{ detached: T; ran: string[] }>;
}

export function teardownRegistry(initial: IntegrationTeardown[] = []): TeardownRegistry {
  const teardowns = [...initial];
  const runStage = async (
    user: { orgId: string; userId: string },
    integrations: readonly IntegrationName[],
    stage: IntegrationTeardown["stage"],
  ): Promise<string[]> => {
    const jobs = integrations.flatMap((integration) =>
      teardowns
        .filter((t) => t.stage === stage && t.integrations.includes(integration))
        .map((t) => ({ name: t.name, run: () => t.run({ ...user, integration }) })),
    );
    const results = await Promise.allSettled(jobs.map((j) => j.run()));
    const failed = [...new Set(jobs.filter((_, i) => results[i]?.status === "rejected").map((j) => j.name))];
    if (failed.length > 0) {
      throw new AppError("upstream_unavailable", `Could not stop: ${failed.join(", ")}; try again`, {
        retryable: true,
        details: { failed },
      });
    }
    return jobs.map((j) => j.name);
  };
  return {
    register(teardown) {
      teardowns.push(teardown);
    },
    async disconnect(user, integrations, detach) {
      const stopped = await runStage(user, integrations, "stop");
      const detached = await detach();
      const forgotten = await runStage(user, integrations, "forget");
      return { detached, ran: [...new Set([...stopped, ...forgotten])] };
    },
  };
}

const ALL: readonly IntegrationName[] = INTEGRATION_NAMES;

/** Deletes the user's sync cursors (orgs/{org}/users/{user}/cursors/*) whose `integration` matches. */
export function cursorTeardown(db: () => Firestore): IntegrationTeardown {
  return {
    name: "sync cursors",
    integrations: ALL,
    stage: "forget",
    async run({ orgId, userId, integration }) {
      const cursors = await db()
        .collection(`orgs/${orgId}/users/${userId}/cursors`)
        .where("integration", "==", integration)
        .get();
      // A user has a handful of cursors per integration: plain deletes, no batching needed.
      await Promise.all(cursors.docs.map((doc) => doc.ref.delete()));
    },
  };
}

/** The registry every deployment starts from; later capabilities register into it. */
export const defaultTeardowns = (db: () => Firestore): TeardownRegistry =>
  teardownRegistry([cursorTeardown(db)]);
