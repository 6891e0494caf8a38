// The HTTP front door: SAML IdP (when present), the /_sim control API, then the Google APIs with
// bearer-token checks, injected faults and the request log around every call.
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { type ApiContext, type ApiRoute, authenticate, requireScopes } from "./api";
import { registerCalendarRoutes } from "./calendar/routes";
import type { ControlRouter } from "./control/control-routes";
import { registerDirectoryRoutes } from "./directory/routes";
import { registerDriveRoutes } from "./drive/routes";
import { ApiError, envelopeOf, injectedFailure, injectedOAuthFailure, notFound, OAuthError } from "./errors";
import { registerGmailRoutes } from "./gmail/routes";
import { parseJsonBody, readBody, redirect, sendEmpty, sendJson } from "./http-io";
import { registerOAuthRoutes } from "./oauth/routes";
import type { SigningKey } from "./oauth/signing-key";
import { registerPeopleRoutes } from "./people/routes";
import { Router } from "./router";
import type { SimState } from "./state";

export interface SamlMount {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export interface SimServer {
  server: Server;
  /** Must be set once the port is known. */
  setBaseUrl(url: string): void;
  setSaml(saml: SamlMount): void;
}

export function createSimServer(state: SimState, keys: SigningKey, control: ControlRouter): SimServer {
  const router = new Router<ApiRoute>();
  registerOAuthRoutes(router);
  registerPeopleRoutes(router);
  registerDirectoryRoutes(router);
  registerCalendarRoutes(router);
  registerGmailRoutes(router);
  registerDriveRoutes(router);
  let baseUrl = "";
  let saml: SamlMount | undefined;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", baseUrl || "http://localhost");
    dispatch(req, res, url).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(
          res,
          500,
          new ApiError({
            code: 500,
            status: "INTERNAL",
            message: String(err),
            reason: "backendError",
          }).body(),
        );
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  async function dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (
      saml &&
      (path.startsWith("/o/saml2") || path.startsWith("/_sim/saml/")) &&
      (await saml.handle(req, res, url))
    )
      return;
    if (path.startsWith("/_sim/")) return control.handle(req, res, url);
    await handleApi(req, res, url);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const match = router.match(req.method ?? "GET", url.pathname);
    if (match === undefined || match === "method-not-allowed") {
      const err =
        match === undefined
          ? notFound(`workspace-sim: no route for ${req.method} ${url.pathname}`)
          : new ApiError({
              code: 405,
              status: "INVALID_ARGUMENT",
              message: "Method not allowed.",
              reason: "badRequest",
            });
      sendJson(res, err.spec.code, err.body());
      return;
    }
    const { params } = match;
    const route = match.route.meta;
    let bodyText: Promise<string> | undefined;
    const ctx: ApiContext = {
      state,
      keys,
      baseUrl,
      req,
      res,
      url,
      params,
      rawBody: () => {
        bodyText ??= readBody(req);
        return bodyText;
      },
      jsonBody: async () => {
        const parsed = parseJsonBody(await ctx.rawBody());
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
        return parsed as Record<string, unknown>;
      },
    };
    try {
      if (route.auth) {
        ctx.caller = authenticate(state, req);
        if (ctx.caller.user) ctx.logUser = ctx.caller.user.primaryEmail;
        requireScopes(ctx.caller, route);
      }
      const fault = state.faults.decide(route.api, route.method, ctx.logUser);
      if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
      if (fault.fail)
        throw route.api === "oauth"
          ? injectedOAuthFailure(fault.fail)
          : injectedFailure(fault.fail, route.service);
      const result = await route.handle(ctx);
      if ("redirect" in result) redirect(res, result.redirect);
      else if ("empty" in result) sendEmpty(res, result.empty);
      else if ("raw" in result) {
        res.writeHead(result.status ?? 200, {
          "content-type": result.contentType,
          "content-length": Buffer.byteLength(result.raw),
        });
        res.end(result.raw);
      } else sendJson(res, result.status ?? 200, result.json, result.headers);
    } catch (err) {
      if (err instanceof ApiError)
        sendJson(res, err.spec.code, err.body(envelopeOf(route.api)), err.spec.headers);
      else if (err instanceof OAuthError) sendJson(res, err.httpStatus, err.body());
      else throw err;
    } finally {
      state.log.record({
        at: state.now(),
        api: route.api,
        method: route.method,
        ...(ctx.logUser ? { user: ctx.logUser } : {}),
        status: res.statusCode,
        durationMs: performance.now() - started,
      });
    }
  }

  return {
    server,
    setBaseUrl(url) {
      baseUrl = url;
    },
    setSaml(mount) {
      saml = mount;
    },
  };
}

/** The SAML IdP module is built separately; mount it only if it is there. */
export async function loadSamlModule(): Promise<typeof import("./saml/index") | undefined> {
  const file = new URL("./saml/index.ts", import.meta.url);
  if (!existsSync(fileURLToPath(file))) return undefined;
  return (await import(file.href)) as typeof import("./saml/index");
}
