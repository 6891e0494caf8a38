// Session routes for the client apps: exchange a one-time login code, refresh (rotating), log out, me.
import { z } from "zod";
import { canSignIn, type UserRepository } from "../accounts";
import { publishAuditEvent } from "../audit";
import { AppError } from "../platform/errors";
import { CREDENTIAL_RATE_LIMIT, principalOf, type Route, route } from "../platform/http";
import type { Logger } from "../platform/logger";
import type { OneTimeRecords } from "../platform/one-time-records";
import type { EventPublisher } from "../platform/pubsub";
import type { RefreshSessions } from "./refresh-sessions";
import type { SessionTokenService } from "./session-tokens";
import type { LoginCode } from "./sign-in";

export interface SessionRouteDeps {
  users: UserRepository;
  sessions: RefreshSessions;
  tokens: SessionTokenService;
  loginCodes: OneTimeRecords<LoginCode>;
  publisher: EventPublisher;
  /** Called after a logout, so this instance stops accepting the session at once. */
  onLoggedOut?(orgId: string, sessionId: string): void;
  /**
   * Called after a sign-in (code exchange) or a session refresh: the person is using the app (their
   * contacts then sync on the frequent schedule, and a sign-in brings a sync at once). Best effort.
   */
  onActive?(user: { orgId: string; userId: string }, how: "sign_in" | "refresh"): Promise<unknown>;
}

const Exchange = z.object({ code: z.string().min(20).max(200) });
/** What a sign-in exchange and a refresh answer: a 15-minute access token and the next refresh token. */
export const SessionAnswer = z.object({
  tokenType: z.literal("Bearer"),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
});
export const MeAnswer = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(["user", "admin"]),
  status: z.string(),
});
const Refresh = z.object({ refreshToken: z.string().min(20).max(400) });

export function sessionRoutes(deps: SessionRouteDeps): Route[] {
  const issue = async (
    orgId: string,
    userId: string,
    sessionId: string,
    refreshToken: string,
    how: "sign_in" | "refresh",
    log: Logger,
  ) => {
    const user = await deps.users.get(orgId, userId);
    if (!canSignIn(user)) {
      await deps.sessions.revoke(orgId, sessionId, "user_not_active");
      throw new AppError("unauthenticated", "This account can no longer sign in");
    }
    const { accessToken, expiresIn } = await deps.tokens.issue({
      orgId,
      userId,
      email: user.email,
      role: user.role,
      sessionId,
    });
    await deps
      .onActive?.({ orgId, userId }, how)
      .catch((error: unknown) => log.warn("session.activity_not_recorded", { error: String(error) }));
    return { body: { tokenType: "Bearer", accessToken, expiresIn, refreshToken } };
  };

  return [
    route({
      method: "POST",
      path: "/v1/session/exchange",
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      body: Exchange,
      summary: "Exchange the one-time login code from a sign-in redirect for a session",
      success: { status: 200, description: "The session's tokens", schema: SessionAnswer },
      handler: async ({ body, log }) => {
        const login = await deps.loginCodes.consume(body.code);
        if (!login)
          throw new AppError("unauthenticated", "The login code is invalid, expired or already used");
        const started = await deps.sessions.start(login.orgId, login.userId);
        return issue(login.orgId, login.userId, started.sessionId, started.refreshToken, "sign_in", log);
      },
    }),
    route({
      method: "POST",
      path: "/v1/session/refresh",
      access: "public",
      rateLimit: CREDENTIAL_RATE_LIMIT,
      body: Refresh,
      summary: "Rotate the refresh token and get a new access token (reusing an old one ends the session)",
      success: { status: 200, description: "The session's next tokens", schema: SessionAnswer },
      handler: async ({ body, log }) => {
        const rotated = await deps.sessions.rotate(body.refreshToken);
        return issue(rotated.orgId, rotated.userId, rotated.sessionId, rotated.refreshToken, "refresh", log);
      },
    }),
    route({
      method: "POST",
      path: "/v1/session/logout",
      access: "user",
      summary: "End this session on every device that shares it",
      success: { status: 204, description: "Logged out" },
      handler: async (ctx) => {
        const me = principalOf(ctx);
        await deps.sessions.revoke(me.orgId, me.sessionId, "logout");
        deps.onLoggedOut?.(me.orgId, me.sessionId);
        await publishAuditEvent(deps.publisher, {
          orgId: me.orgId,
          action: "session.logged_out",
          outcome: "success",
          actor: { type: "user", id: me.userId },
          target: { type: "session", id: me.sessionId },
        });
        return { status: 204 };
      },
    }),
    route({
      method: "GET",
      path: "/v1/me",
      access: "user",
      summary: "The signed-in user",
      success: { status: 200, description: "The signed-in user", schema: MeAnswer },
      handler: async (ctx) => {
        const me = principalOf(ctx);
        const user = await deps.users.get(me.orgId, me.userId);
        if (!user) throw new AppError("not_found", "Your account no longer exists");
        return {
          body: {
            id: user.id,
            orgId: user.orgId,
            email: user.email,
            displayName: user.displayName ?? null,
            role: user.role,
            status: user.status,
          },
        };
      },
    }),
  ];
}
