// A whole SP-initiated SAML sign-in through the real routes, as a browser would do it against the
// simulated Google: our /saml/login redirect, Google's answer for `email` (the simulator's sim_user
// stands in for the person typing their password), the ACS post, and the one-time code's exchange.
export interface SignInTarget {
  authUrl: string;
  apiUrl: string;
  orgId: string;
  /** Where sign-in returns; must be one of the stack's allowed return origins. */
  returnTo: string;
}

export interface SignedInSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export async function samlSignIn(target: SignInTarget, email: string): Promise<SignedInSession> {
  const login = `${target.authUrl}/saml/login?org=${encodeURIComponent(target.orgId)}&return_to=${encodeURIComponent(target.returnTo)}`;
  const start = await fetch(login, { redirect: "manual" });
  if (start.status !== 302)
    throw new Error(`GET /saml/login answered ${start.status}: ${await start.text()}`);
  const idp = new URL(start.headers.get("location") ?? "");
  idp.searchParams.set("sim_user", email);
  const google = await fetch(idp, { headers: { accept: "application/json" } });
  if (!google.ok) throw new Error(`the simulated Google answered ${google.status}: ${await google.text()}`);
  const { acsUrl, SAMLResponse, RelayState } = (await google.json()) as Record<string, string>;
  const acs = await fetch(acsUrl ?? `${target.authUrl}/saml/acs`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: SAMLResponse ?? "", RelayState: RelayState ?? "" }),
  });
  const code = new URL(acs.headers.get("location") ?? "http://x/").searchParams.get("code");
  if (acs.status !== 303 || !code) throw new Error(`the ACS answered ${acs.status}: ${await acs.text()}`);
  const exchange = await fetch(`${target.apiUrl}/v1/session/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ code }),
  });
  if (!exchange.ok) throw new Error(`POST /v1/session/exchange answered ${exchange.status}`);
  return (await exchange.json()) as SignedInSession;
}
