// Liveness, readiness and the API description.

import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "./errors";
import { type Route, route } from "./http";
import { truncateText } from "./text";

export interface HealthDeps {
  /** Throws when configuration is invalid (ConfigError names every bad variable). */
  checkConfig(): void;
  firestore(): Firestore;
  /** Variables this function needs in a deployment but lacks (config-requirements.ts); readiness names them. */
  missingProductionConfig?(): string[];
}

export function healthRoutes(deps: HealthDeps): Route[] {
  return [
    route({
      method: "GET",
      path: "/healthz",
      access: "public",
      summary: "Liveness: the process serves requests",
      success: { status: 200, description: "{ status: ok }", schema: z.object({ status: z.literal("ok") }) },
      handler: () => ({ body: { status: "ok" } }),
    }),
    route({
      method: "GET",
      path: "/readyz",
      access: "public",
      summary: "Readiness: configuration is valid and Firestore is reachable",
      success: {
        status: 200,
        description: "{ status: ready, checks }",
        schema: z.object({ status: z.literal("ready"), checks: z.record(z.string(), z.literal("ok")) }),
      },
      handler: async () => {
        const checks: Record<string, string> = {};
        try {
          deps.checkConfig();
          const missing = deps.missingProductionConfig?.() ?? [];
          checks.config = missing.length ? `required in production but not set: ${missing.join(", ")}` : "ok";
        } catch (error) {
          checks.config = (error as Error).message;
        }
        try {
          // One document read with a short deadline: cheap, and it proves credentials and network.
          await Promise.race([
            deps.firestore().doc("health/readiness").get(),
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error("timed out after 5 s")), 5000).unref(),
            ),
          ]);
          checks.firestore = "ok";
        } catch (error) {
          checks.firestore = `unreachable: ${truncateText((error as Error).message, 200)}`;
        }
        const ready = Object.values(checks).every((v) => v === "ok");
        if (!ready) throw new AppError("not_ready", "Not ready", { details: { checks } });
        return { body: { status: "ready", checks } };
      },
    }),
  ];
}

export function openApiRoute(describe: () => unknown): Route {
  return route({
    method: "GET",
    path: "/v1/openapi.json",
    access: "public",
    summary: "This API's OpenAPI 3.1 description",
    handler: () => ({ body: describe() }),
  });
}
