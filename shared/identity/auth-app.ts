// The auth function's routes: SAML sign-in and the Google OAuth consent callback, from the ports the
// composition root (shared/wiring/roots/auth.ts) hands in.
import type { Firestore } from "@google-cloud/firestore";
import type { UserRepository } from "../accounts";
import type { WorkspaceAdminApi } from "../google/workspace-admin-api";
import type { Config } from "../platform/config";
import { AppError } from "../platform/errors";
import type { Route } from "../platform/http";
import { lazyPort } from "../platform/lazy-port";
import { oneTimeRecords } from "../platform/one-time-records";
import type { EventPublisher } from "../platform/pubsub";
import {
  GOOGLE_LOGIN_TTL_MS,
  GoogleLogin,
  googleSignInRoutes,
  type SignInOrgs,
} from "./google-sign-in-routes";
import type { IdentityServices } from "./identity-services";
import { oauthCallbackRoutes } from "./oauth-callback-routes";
import { firestoreSamlRequestCache } from "./saml-request-cache";
import { SAML_LOGIN_TTL_MS, SamlLogin, samlRoutes } from "./saml-routes";
import { samlServiceProvider } from "./saml-sp";
import { LOGIN_CODE_TTL_MS, LoginCode } from "./sign-in";
import { firestoreSsoConfigRepository } from "./sso-config";

export function serviceProvider(c: Pick<Config, "PUBLIC_AUTH_URL" | "SAML_SP_ENTITY_ID">) {
  if (!c.PUBLIC_AUTH_URL) throw new AppError("internal", "PUBLIC_AUTH_URL is not configured");
  const base = c.PUBLIC_AUTH_URL.replace(/\/$/, "");
  return { entityId: c.SAML_SP_ENTITY_ID ?? `${base}/saml/metadata`, acsUrl: `${base}/saml/acs` };
}

export interface AuthRouteDeps {
  db: () => Firestore;
  config: () => Config;
  publisher: EventPublisher;
  users: UserRepository;
  identity: IdentityServices;
  /** The orgs Sign in with Google finds and onboards (and whose policy both sign-ins enforce). */
  orgs: SignInOrgs;
  workspaceAdmin: (accessToken: string) => WorkspaceAdminApi;
  /** Contacts was connected at Google sign-in: start its first sync. */
  contactsConnected?: (user: { orgId: string; userId: string }) => Promise<void>;
}

export function authRoutes(deps: AuthRouteDeps): Route[] {
  const db = lazyPort(deps.db);
  const sso = firestoreSsoConfigRepository(db);
  const loginCodes = oneTimeRecords(db, "loginCodes", LoginCode, LOGIN_CODE_TTL_MS);
  const returnUrls = {
    allowedReturnOrigins: () => deps.config().ALLOWED_RETURN_ORIGINS,
    defaultReturnUrl: () => deps.config().DEFAULT_RETURN_URL,
  };
  const saml = samlRoutes({
    sp: samlServiceProvider({
      db,
      sp: lazyPort(() => serviceProvider(deps.config())),
      sso,
      requestCache: firestoreSamlRequestCache(db),
      clockSkewMs: () => deps.config().SAML_CLOCK_SKEW_MS,
    }),
    sso,
    users: deps.users,
    loginCodes,
    orgSettings: (orgId) => deps.orgs.get(orgId),
    samlLogins: oneTimeRecords(db, "samlLogins", SamlLogin, SAML_LOGIN_TTL_MS),
    publisher: deps.publisher,
    ...returnUrls,
  });
  const google = googleSignInRoutes({
    identity: deps.identity,
    orgs: deps.orgs,
    users: deps.users,
    loginCodes,
    logins: oneTimeRecords(db, "googleLogins", GoogleLogin, GOOGLE_LOGIN_TTL_MS),
    publisher: deps.publisher,
    workspaceAdmin: deps.workspaceAdmin,
    ...(deps.contactsConnected ? { contactsConnected: deps.contactsConnected } : {}),
    ...returnUrls,
  });
  return [...saml, ...google, ...oauthCallbackRoutes(deps.identity)];
}
