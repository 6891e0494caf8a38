// The auth function's composition root: SAML sign-in and the Google OAuth consent callback.
import { healthRoutes } from "../api/health-routes";
import { firestoreUserRepository } from "../directory/user-repository";
import { config } from "../platform/config";
import { AppError } from "../platform/errors";
import { createHttpHandler, type Route } from "../platform/http";
import { oneTimeRecords } from "../platform/one-time-records";
import { lazyPort, runtime } from "../platform/runtime";
import { identityDepsFromEnvironment } from "./identity-services";
import { oauthCallbackRoutes } from "./oauth-callback-routes";
import { firestoreSamlRequestCache } from "./saml-request-cache";
import { SAML_LOGIN_TTL_MS, type SamlLogin, samlRoutes } from "./saml-routes";
import { samlServiceProvider } from "./saml-sp";
import { LOGIN_CODE_TTL_MS, type LoginCode } from "./sign-in";
import { firestoreSsoConfigRepository } from "./sso-config";

export function serviceProvider() {
  const c = config();
  if (!c.PUBLIC_AUTH_URL) throw new AppError("internal", "PUBLIC_AUTH_URL is not configured");
  const base = c.PUBLIC_AUTH_URL.replace(/\/$/, "");
  return { entityId: c.SAML_SP_ENTITY_ID ?? `${base}/saml/metadata`, acsUrl: `${base}/saml/acs` };
}

export function authRoutes(): Route[] {
  const db = lazyPort(runtime.db);
  const sso = firestoreSsoConfigRepository(db);
  const saml = samlRoutes({
    sp: samlServiceProvider({
      db,
      sp: lazyPort(serviceProvider),
      sso,
      requestCache: firestoreSamlRequestCache(db),
      clockSkewMs: () => config().SAML_CLOCK_SKEW_MS,
    }),
    sso,
    users: firestoreUserRepository(db),
    loginCodes: oneTimeRecords<LoginCode>(db, "loginCodes", LOGIN_CODE_TTL_MS),
    samlLogins: oneTimeRecords<SamlLogin>(db, "samlLogins", SAML_LOGIN_TTL_MS),
    publisher: runtime.publisher(),
    allowedReturnOrigins: () => config().ALLOWED_RETURN_ORIGINS,
    defaultReturnUrl: () => config().DEFAULT_RETURN_URL,
  });
  return [...saml, ...oauthCallbackRoutes(lazyPort(identityDepsFromEnvironment))];
}

export function createAuthHandler() {
  let handler: ReturnType<typeof createHttpHandler> | undefined;
  // Routes are built on the first request: they need configuration, which is never read at import.
  return (
    req: Parameters<ReturnType<typeof createHttpHandler>>[0],
    res: Parameters<ReturnType<typeof createHttpHandler>>[1],
  ) => {
    // Liveness and readiness as on the api; not in authRoutes(), which the api's description merges with its own.
    handler ??= createHttpHandler(
      [...healthRoutes({ checkConfig: () => void config(), firestore: runtime.db }), ...authRoutes()],
      { maxBodyBytes: 256 * 1024 },
    );
    return handler(req, res);
  };
}
