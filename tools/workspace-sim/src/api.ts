// What a simulated API endpoint looks like to the server: metadata for auth, faults and the request
// log, plus a handler that returns a result instead of writing to the socket.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DirectoryUser } from "./directory/directory-store";
import { ApiError, insufficientScopes, unauthenticated } from "./errors";
import type { SigningKey } from "./oauth/signing-key";
import type { AccessToken } from "./oauth/token-store";
import type { Org, SimState } from "./state";

export interface Caller {
  token: AccessToken;
  org?: Org;
  user?: DirectoryUser;
}

export interface ApiContext {
  state: SimState;
  keys: SigningKey;
  baseUrl: string;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  caller?: Caller;
  /** Set by handlers that learn the user late (token endpoint), for the request log and faults. */
  logUser?: string;
  rawBody(): Promise<string>;
  jsonBody(): Promise<Record<string, unknown>>;
}

export type ApiResult =
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { redirect: string }
  | { empty: number }
  /** A non-JSON body (Gmail's multipart/mixed batch response). */
  | { raw: string; contentType: string; status?: number };

export interface ApiRoute {
  api: "people" | "directory" | "oauth" | "calendar" | "gmail" | "drive";
  /** Method id used by faults and the request log, e.g. "people.connections.list". */
  method: string;
  /** Google service name in ErrorInfo metadata. */
  service: string;
  /** Bearer token required; the token must carry one of `scopes` (if given). */
  auth: boolean;
  scopes?: readonly string[];
  handle(ctx: ApiContext): Promise<ApiResult> | ApiResult;
}

/** Resolves the bearer token to a caller, or throws 401 as Google does. */
export function authenticate(state: SimState, req: IncomingMessage): Caller {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const token = match ? state.tokens.accessToken(match[1]!) : undefined;
  const now = state.now();
  if (!token || token.expiresAt <= now) throw unauthenticated();
  if (token.revokedAt !== undefined && now >= token.revokedAt + state.settings.oauth.revocationLagMs)
    throw unauthenticated();
  if (!token.userId) return { token };
  const found = state.findUser(token.userId);
  // Suspending or deleting an account kills its sessions and tokens.
  if (!found || found.user.suspended || found.user.deletionTime !== undefined) throw unauthenticated();
  return { token, org: found.org, user: found.user };
}

export function requireScopes(caller: Caller, route: ApiRoute): void {
  if (!route.scopes) return;
  if (!route.scopes.some((s) => caller.token.scopes.includes(s)))
    throw insufficientScopes(route.service, route.method);
}

/** The calling Workspace user, or 403 for callers that are not one (a bare service account). */
export function callerUser(ctx: ApiContext): { org: Org; user: DirectoryUser } {
  const { caller } = ctx;
  if (!caller?.org || !caller.user) {
    throw new ApiError({
      code: 403,
      status: "PERMISSION_DENIED",
      message: "The caller does not have permission",
      reason: "forbidden",
    });
  }
  return { org: caller.org, user: caller.user };
}
