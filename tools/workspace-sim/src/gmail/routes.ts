// The gmail/v1 surface: messages.list / messages.get / getProfile, each charged in quota units, and
// the batch endpoint (whose inner calls are charged one by one).
import type { ApiRoute } from "../api";
import type { Router } from "../router";
import { batch, chargeGmail, GMAIL_SCOPES, getMessage, getProfile, listMessages } from "./messages-api";

const READ = Object.values(GMAIL_SCOPES);

const gmail = (method: string, handle: ApiRoute["handle"]): ApiRoute => ({
  api: "gmail",
  method,
  service: "gmail.googleapis.com",
  auth: true,
  scopes: READ,
  handle: (ctx) => {
    chargeGmail(ctx, method);
    return handle(ctx);
  },
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
