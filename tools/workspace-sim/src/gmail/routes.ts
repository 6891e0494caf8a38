// The gmail/v1 surface: messages.list / messages.get / getProfile, each charged in quota units and
// holding one of the user's concurrent-request slots while it runs, and the batch endpoint (whose inner
// calls are admitted, charged and logged one by one).
import type { ApiContext, ApiRoute } from "../api";
import { ApiError } from "../errors";
import type { Router } from "../router";
import { batch, isBatchPart } from "./batch";
import { admit, release, TOO_MANY_CONCURRENT } from "./concurrency";
import {
  chargeGmail,
  GMAIL_SCOPES,
  getMessage,
  getProfile,
  gmailSettings,
  listMessages,
} from "./messages-api";

const READ = Object.values(GMAIL_SCOPES);

const tooManyConcurrent = () =>
  new ApiError({
    code: 429,
    status: "RESOURCE_EXHAUSTED",
    message: TOO_MANY_CONCURRENT,
    reason: "rateLimitExceeded",
  });

/** Runs a single request within the user's concurrent-request slots (batch parts were admitted already). */
async function withSlot<T>(ctx: ApiContext, run: () => T | Promise<T>): Promise<T> {
  const userId = ctx.caller?.user?.id;
  if (!userId || isBatchPart(ctx)) return run();
  if (!admit(ctx.state, userId, gmailSettings(ctx.state).concurrentRequestsPerUser))
    throw tooManyConcurrent();
  try {
    return await run();
  } finally {
    release(ctx.state, userId);
  }
}

const gmail = (method: string, handle: ApiRoute["handle"]): ApiRoute => ({
  api: "gmail",
  method,
  service: "gmail.googleapis.com",
  auth: true,
  scopes: READ,
  handle: (ctx) =>
    withSlot(ctx, () => {
      chargeGmail(ctx, method);
      return handle(ctx);
    }),
});

const U = "^/gmail/v1/users/(?<userId>[^/]+)";

export function registerGmailRoutes(router: Router<ApiRoute>): void {
  router
    .add("GET", new RegExp(`${U}/messages$`), gmail("gmail.users.messages.list", listMessages))
    .add("GET", new RegExp(`${U}/messages/(?<id>[^/]+)$`), gmail("gmail.users.messages.get", getMessage))
    .add("GET", new RegExp(`${U}/profile$`), gmail("gmail.users.getProfile", getProfile))
    // The outer batch request carries no quota of its own; the parts inherit its Authorization.
    .add("POST", /^\/batch\/gmail\/v1$/, {
      api: "gmail",
      method: "gmail.batch",
      service: "gmail.googleapis.com",
      auth: false,
      handle: batch,
    });
}
