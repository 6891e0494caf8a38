// The api function's composition root: every capability's routes in one table, plus the description.
import { config } from "../platform/config";
import { firestore } from "../platform/firestore";
import { createHttpHandler, type Route } from "../platform/http";
import { healthRoutes, openApiRoute } from "./health-routes";
import { buildOpenApi } from "./openapi";

export const API_INFO = { title: "Switchboard API", version: "1.0.0" };

export function apiRoutes(): Route[] {
  const routes: Route[] = [
    ...healthRoutes({ checkConfig: () => void config(), firestore: () => firestore() }),
  ];
  let description: unknown;
  routes.push(openApiRoute(() => (description ??= buildOpenApi(routes, API_INFO))));
  return routes;
}

export function createApiHandler() {
  const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? 1024 * 1024);
  return createHttpHandler(apiRoutes(), { maxBodyBytes });
}
