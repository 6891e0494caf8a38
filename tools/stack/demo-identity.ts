// Onboards the demo organisation the way a real company arrives, through Switchboard's own routes: the
// phone system creates it (POST /v1/telephony/orgs, region GB, time zone Europe/London), its first admin
// signs in with Google (the simulator's consent needs no browser), and that admin sets up SAML from the
// simulator's IdP metadata (PUT /v1/admin/sso). The other directory users get phone-system accounts
// directly: that stands in for provisioning, which needs the directory connected first.
import { readFile } from "node:fs/promises";
import { Firestore } from "@google-cloud/firestore";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { TELEPHONY_SECRET } from "../../shared/platform/service-token";

interface DemoOrg {
  id: string;
  domain: string;
  idpId: string;
  oauthClients: Array<{ clientId: string }>;
  users: Array<{
    email: string;
    givenName: string;
    familyName: string;
    isAdmin?: boolean;
    suspended?: boolean;
  }>;
}

export interface DemoOnboarding {
  projectId: string;
  demoFile: string;
  secretsFile: string;
  apiUrl: string;
  authUrl: string;
  simUrl: string;
  /** Where sign-in returns (an allowed return origin). */
  returnUrl: string;
  metadataXml(idpId: string): string;
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Google sign-in as `email`, following the redirects a browser would; returns the one-time code. */
export async function googleSignInCode(
  o: Pick<DemoOnboarding, "authUrl" | "simUrl" | "returnUrl">,
  email: string,
): Promise<string> {
  const query = new URLSearchParams({ return_to: o.returnUrl, login_hint: email });
  let res = await fetch(`${o.authUrl}/auth/google/login?${query}`, { redirect: "manual" });
  while (res.status === 302 && res.headers.get("location")?.startsWith(o.simUrl)) {
    const atGoogle = await fetch(res.headers.get("location")!, { redirect: "manual" });
    if (atGoogle.status !== 302) throw new Error(`Google sign-in answered ${atGoogle.status}`);
    res = await fetch(atGoogle.headers.get("location")!, { redirect: "manual" });
  }
  const location = res.headers.get("location");
  const code = location ? new URL(location).searchParams.get("code") : null;
  if (!code) throw new Error(`Google sign-in for ${email} ended with ${res.status}: ${await res.text()}`);
  return code;
}

/** Google sign-in as `email`; returns a session access token. */
async function signInWithGoogle(o: DemoOnboarding, email: string): Promise<string> {
  const code = await googleSignInCode(o, email);
  const session = (await expectOk(
    await fetch(`${o.apiUrl}/v1/session/exchange`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
    }),
    "session exchange",
  )) as { accessToken: string };
  return session.accessToken;
}

export async function onboardDemoOrg(o: DemoOnboarding): Promise<{ orgId: string; users: number }> {
  const file = JSON.parse(await readFile(o.demoFile, "utf8")) as DemoOrg | { orgs: DemoOrg[] };
  const org = "orgs" in file ? file.orgs[0]! : file;
  const admin = org.users.find((u) => u.isAdmin && !u.suspended);
  if (!admin) throw new Error(`the demo organisation ${org.id} has no active admin`);
  const secrets = JSON.parse(await readFile(o.secretsFile, "utf8")) as Record<string, string>;

  // Google must know where this stack's auth function really listens (its ports may not be the seed's).
  for (const client of org.oauthClients) {
    await expectOk(
      await fetch(`${o.simUrl}/_sim/oauth-clients/${encodeURIComponent(client.clientId)}/redirect-uris`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ uri: `${o.authUrl}/auth/google/callback` }),
      }),
      "registering the sign-in redirect URI",
    );
  }
  const created = (await expectOk(
    await fetch(`${o.apiUrl}/v1/telephony/orgs`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets[TELEPHONY_SECRET]}`, "content-type": "application/json" },
      body: JSON.stringify({
        orgId: org.id,
        name: "Northwind",
        primaryDomain: org.domain,
        firstAdminEmail: admin.email,
        region: "GB",
        timeZone: "Europe/London",
      }),
    }),
    "POST /v1/telephony/orgs",
  )) as { org: { id: string } };
  const orgId = created.org.id;

  const token = await signInWithGoogle(o, admin.email);
  await expectOk(
    await fetch(`${o.apiUrl}/v1/admin/sso`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        metadataXml: o.metadataXml(org.idpId),
        allowIdpInitiated: true,
        jitProvisioning: false,
      }),
    }),
    "PUT /v1/admin/sso",
  );

  const db = new Firestore({ projectId: o.projectId });
  try {
    const users = firestoreUserRepository(db);
    let accounts = 0;
    for (const u of org.users) {
      if (await users.findByEmail(orgId, u.email)) continue;
      await users.create({
        id: u.email.split("@")[0]!.replace(/[^a-z0-9-]/gi, "-"),
        orgId,
        email: u.email,
        displayName: `${u.givenName} ${u.familyName}`,
        role: u.isAdmin ? "admin" : "user",
        status: u.suspended ? "suspended" : "active",
        licensed: true,
      });
      accounts++;
    }
    return { orgId, users: accounts };
  } finally {
    await db.terminate();
  }
}
