// What disconnecting an integration stops: its background work (watch channels, sync cursors, cached
// data). Capabilities register a teardown for their integration; disconnect runs them all, before the
// grant is revoked (stopping a watch channel still needs the user's token). Teardowns must be idempotent:
// a failed disconnect is retried by running everything again.
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
  run(target: TeardownTarget): Promise<void>;
}

export interface TeardownRegistry {
  register(teardown: IntegrationTeardown): void;
  /** Runs every teardown of the integration; throws a retryable error naming those that failed. */
  run(target: TeardownTarget): Promise<string[]>;
}

export function teardownRegistry(initial: IntegrationTeardown[] = []): TeardownRegistry {
  const teardowns = [...initial];
  return {
    register(teardown) {
      teardowns.push(teardown);
    },
    async run(target) {
      const relevant = teardowns.filter((t) => t.integrations.includes(target.integration));
      const results = await Promise.allSettled(relevant.map((t) => t.run(target)));
      const failed = relevant.filter((_, i) => results[i]?.status === "rejected").map((t) => t.name);
      if (failed.length > 0) {
        throw new AppError("upstream_unavailable", `Could not stop: ${failed.join(", ")}; try again`, {
          retryable: true,
          details: { failed },
        });
      }
      return relevant.map((t) => t.name);
    },
  };
}

const ALL: readonly IntegrationName[] = INTEGRATION_NAMES;

/** Deletes the user's sync cursors (orgs/{org}/users/{user}/cursors/*) whose `integration` matches. */
export function cursorTeardown(db: () => Firestore): IntegrationTeardown {
  return {
    name: "sync cursors",
    integrations: ALL,
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
