// The consent endpoint. There is no browser: the user named by login_hint (or sim_user) approves at
// once. A test narrows what is granted (granular consent) with the control API or with the sim-only
// query parameters sim_grant_scopes / sim_withhold_scopes / sim_deny=1.
import type { ApiContext, ApiResult } from "../api";
import { OAuthError } from "../errors";
import { IDENTITY_SCOPES, parseScopes } from "../scopes";

export function authorize(ctx: ApiContext): ApiResult {
  const { state, url } = ctx;
  const q = url.searchParams;
  const client = state.oauthClients.get(q.get("client_id") ?? "");
  // Google shows an error page (no redirect) for a bad client or redirect URI.
  if (!client) throw new OAuthError(401, "invalid_client", "The OAuth client was not found.");
  const redirectUri = q.get("redirect_uri") ?? "";
  if (!client.redirectUris.includes(redirectUri)) {
    throw new OAuthError(
      400,
      "redirect_uri_mismatch",
      `The redirect URI in the request, ${redirectUri}, does not match the ones authorized for the OAuth client.`,
    );
  }
  const back = (params: Record<string, string>): ApiResult => {
    const target = new URL(redirectUri);
    const stateParam = q.get("state");
    if (stateParam !== null) target.searchParams.set("state", stateParam);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    return { redirect: target.toString() };
  };
  if (q.get("response_type") !== "code") return back({ error: "unsupported_response_type" });
  const requested = parseScopes(q.get("scope") ?? undefined);
  if (requested.length === 0)
    throw new OAuthError(400, "invalid_request", "Missing required parameter: scope");
  const challenge = q.get("code_challenge") ?? undefined;
  const challengeMethod = q.get("code_challenge_method") ?? (challenge ? "plain" : undefined);
  if (challengeMethod && challengeMethod !== "S256" && challengeMethod !== "plain") {
    return back({ error: "invalid_request", error_description: "Invalid code_challenge_method" });
  }

  const login = q.get("sim_user") ?? q.get("login_hint") ?? "";
  const found = login ? state.findUser(login) : undefined;
  if (!found) {
    throw new OAuthError(
      400,
      "invalid_request",
      `workspace-sim: no seeded user "${login}"; pass login_hint=<email of a seeded user>.`,
    );
  }
  const { org, user } = found;
  ctx.logUser = user.primaryEmail;
  if (user.suspended || user.deletionTime !== undefined) return back({ error: "access_denied" });

  const behaviour = state.consent.get(user.primaryEmail) ?? state.consent.get("*") ?? {};
  if (behaviour.deny || q.get("sim_deny") === "1") return back({ error: "access_denied" });
  const grantOnly = q.has("sim_grant_scopes")
    ? parseScopes(q.get("sim_grant_scopes") ?? "")
    : behaviour.grantOnly;
  const withhold = q.has("sim_withhold_scopes")
    ? parseScopes(q.get("sim_withhold_scopes") ?? "")
    : behaviour.withhold;
  // Identity scopes cannot be unticked on Google's granular consent screen.
  const granted = requested.filter(
    (s) => IDENTITY_SCOPES.has(s) || ((!grantOnly || grantOnly.includes(s)) && !(withhold ?? []).includes(s)),
  );

  const grant = state.tokens.grant(user.id, client.clientId);
  const prompt = (q.get("prompt") ?? "").split(" ");
  // The consent screen appears on first authorisation, for new scopes, or when forced.
  const consentShown =
    prompt.includes("consent") || grant.scopes.size === 0 || granted.some((s) => !grant.scopes.has(s));
  for (const s of granted) grant.scopes.add(s);
  const tokenScopes = q.get("include_granted_scopes") === "true" ? [...grant.scopes] : granted;
  const offline = q.get("access_type") === "offline";

  const code = state.tokens.saveCode({
    clientId: client.clientId,
    userId: user.id,
    redirectUri,
    scopes: tokenScopes,
    ...(challenge ? { codeChallenge: challenge } : {}),
    ...(challengeMethod ? { codeChallengeMethod: challengeMethod } : {}),
    offline,
    issueRefreshToken: offline && consentShown,
    ...(q.get("nonce") ? { nonce: q.get("nonce")! } : {}),
    expiresAt: state.now() + state.settings.oauth.authCodeLifetimeMs,
  });
  return back({
    code,
    scope: tokenScopes.join(" "),
    authuser: "0",
    ...(org.consumer ? {} : { hd: org.domain }),
    prompt: consentShown ? "consent" : "none",
  });
}
