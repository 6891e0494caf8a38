// The accounts.google.com / oauth2.googleapis.com surface of the simulator.
import type { ApiRoute } from "../api";
import type { Router } from "../router";
import { SCOPES } from "../scopes";
import { authorize } from "./authorize";
import { ISSUER } from "./id-token";
import { revoke } from "./revoke";
import { tokenEndpoint } from "./token-endpoint";
import { tokenInfo } from "./tokeninfo";

const oauth = (method: string, handle: ApiRoute["handle"], extra: Partial<ApiRoute> = {}): ApiRoute => ({
  api: "oauth",
  method,
  service: "oauth2.googleapis.com",
  auth: false,
  handle,
  ...extra,
});

export function registerOAuthRoutes(router: Router<ApiRoute>): void {
  const consent = oauth("oauth.authorize", authorize);
  const token = oauth("oauth.token", tokenEndpoint);
  const revokeRoute = oauth("oauth.revoke", revoke);
  const info = oauth("oauth.tokeninfo", tokenInfo);
  router
    .add("GET", /^\/o\/oauth2\/(v2\/)?auth$/, consent)
    .add("POST", /^\/(token|oauth2\/v4\/token)$/, token)
    .add("POST", /^\/(revoke|o\/oauth2\/revoke)$/, revokeRoute)
    .add("GET", /^\/(revoke|o\/oauth2\/revoke)$/, revokeRoute)
    .add("GET", /^\/(tokeninfo|oauth2\/v3\/tokeninfo)$/, info)
    .add("POST", /^\/(tokeninfo|oauth2\/v3\/tokeninfo)$/, info)
    .add(
      "GET",
      /^\/oauth2\/v3\/certs$/,
      oauth("oauth.certs", (ctx) => ({
        json: ctx.keys.jwks,
        headers: { "cache-control": "public, max-age=300" },
      })),
    )
    .add(
      "GET",
      /^\/oauth2\/v1\/certs$/,
      oauth("oauth.certs", (ctx) => ({
        json: ctx.keys.pemCerts,
        headers: { "cache-control": "public, max-age=300" },
      })),
    )
    .add(
      "GET",
      /^\/\.well-known\/openid-configuration$/,
      oauth("oauth.discovery", (ctx) => ({
        json: {
          issuer: ISSUER,
          authorization_endpoint: `${ctx.baseUrl}/o/oauth2/v2/auth`,
          token_endpoint: `${ctx.baseUrl}/token`,
          userinfo_endpoint: `${ctx.baseUrl}/v1/userinfo`,
          revocation_endpoint: `${ctx.baseUrl}/revoke`,
          jwks_uri: `${ctx.baseUrl}/oauth2/v3/certs`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid", "email", "profile"],
          code_challenge_methods_supported: ["plain", "S256"],
          grant_types_supported: [
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
          ],
        },
      })),
    )
    .add(
      "GET",
      /^\/(v1\/userinfo|oauth2\/v3\/userinfo)$/,
      oauth(
        "oauth.userinfo",
        (ctx) => {
          const user = ctx.caller?.user;
          const org = ctx.caller?.org;
          if (!user || !org) return { json: { sub: ctx.caller?.token.serviceAccount ?? "" } };
          return {
            json: {
              sub: user.id,
              name: `${user.givenName} ${user.familyName}`.trim(),
              given_name: user.givenName,
              family_name: user.familyName,
              email: user.primaryEmail,
              email_verified: true,
              hd: org.domain,
            },
          };
        },
        { auth: true, scopes: [SCOPES.openid, SCOPES.email, SCOPES.profile] },
      ),
    );
}
