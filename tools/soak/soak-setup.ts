// Brings the soak's organisations into Switchboard the way real companies arrive, through the routes:
// the phone system creates each org, its admin signs in with Google, turns on automatic provisioning and
// connects the directory (domain-wide delegation); once the directory sync has created the accounts,
// every person signs in with Google (which connects Contacts) and connects Calendar through consent.
import { readFile } from "node:fs/promises";
import type { Firestore } from "@google-cloud/firestore";
import { type SwitchboardClient, switchboardClient } from "@switchboard/client";
import { TELEPHONY_SECRET } from "../../shared/platform/service-token";
import { googleSignInCode } from "../stack/demo-identity";
import { DEMO_APP_ORIGIN, type RunningStack } from "../stack/stack";
import { eventually } from "../testing/eventually";
import type { SoakOrg } from "./soak-world";

export interface SoakPerson {
  orgId: string;
  email: string;
  /** The Switchboard account id (from the session). */
  userId: string;
  client: SwitchboardClient;
}

export interface SoakTargets {
  apiUrl: string;
  authUrl: string;
  simUrl: string;
}

export const targetsOf = (stack: RunningStack): SoakTargets => ({
  apiUrl: stack.services.api!,
  authUrl: stack.services.auth!,
  simUrl: stack.services["workspace-sim"]!,
});

const RETURN_TO = `${DEMO_APP_ORIGIN}/`;

/** A Google sign-in through the auth function, exchanged for a session held by a typed client. */
export async function signIn(t: SoakTargets, orgId: string, email: string): Promise<SoakPerson> {
  const code = await googleSignInCode({ ...t, returnUrl: RETURN_TO }, email);
  const client = switchboardClient({ baseUrl: t.apiUrl });
  await client.exchange(code);
  const me = await client.call((c) => c.GET("/v1/me"));
  return { orgId, email, userId: me.id, client };
}

/** Connects Calendar: the consent URL the API gives, granted at the simulated Google, back to the callback. */
export async function connectCalendar(person: SoakPerson): Promise<void> {
  const { authorizationUrl } = await person.client.call((c) =>
    c.POST("/v1/integrations/{name}/connect", {
      params: { path: { name: "calendar" } },
      body: { returnTo: RETURN_TO },
    }),
  );
  const atGoogle = await fetch(authorizationUrl, { redirect: "manual" });
  const callback = atGoogle.headers.get("location");
  if (atGoogle.status !== 302 || !callback) throw new Error(`consent answered ${atGoogle.status}`);
  const back = await fetch(callback, { redirect: "manual" });
  const landing = back.headers.get("location") ?? "";
  if (back.status !== 302 || !landing.startsWith(RETURN_TO) || new URL(landing).searchParams.has("error"))
    throw new Error(`the calendar callback for ${person.email} answered ${back.status} ${landing}`);
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  const body = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Creates the org, sets automatic provisioning, connects the directory; answers the admin's session. */
export async function onboardOrg(t: SoakTargets, secretsFile: string, org: SoakOrg): Promise<SoakPerson> {
  const secrets = JSON.parse(await readFile(secretsFile, "utf8")) as Record<string, string>;
  await expectOk(
    await fetch(`${t.apiUrl}/v1/telephony/orgs`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets[TELEPHONY_SECRET]}`, "content-type": "application/json" },
      body: JSON.stringify({
        orgId: org.id,
        name: org.name,
        primaryDomain: org.domain,
        firstAdminEmail: org.admin,
        region: "GB",
        timeZone: "Europe/London",
      }),
    }),
    `creating ${org.id}`,
  );
  const admin = await signIn(t, org.id, org.admin);
  await admin.client.call((c) =>
    c.PUT("/v1/admin/provisioning/settings", {
      body: { scope: { kind: "domain" }, mode: "automatic", deprovisioning: "remove", gracePeriodDays: 0 },
    }),
  );
  await admin.client.call((c) =>
    c.PUT("/v1/admin/directory/connection", { body: { mode: "delegation", impersonate: org.admin } }),
  );
  return admin;
}

/** Switchboard's accounts of an org, email to status (the directory invariant's view). */
export async function accountsOf(db: Firestore, orgId: string): Promise<Map<string, string>> {
  const snap = await db.collection(`orgs/${orgId}/users`).select("email", "status").get();
  return new Map(snap.docs.map((d) => [String(d.get("email")).toLowerCase(), String(d.get("status"))]));
}

/** Waits until the directory sync has given every seeded person an active account. */
export async function awaitAccounts(db: Firestore, orgId: string, emails: string[], timeoutMs = 180_000) {
  await eventually(
    async () => {
      const accounts = await accountsOf(db, orgId);
      return emails.every((e) => accounts.get(e.toLowerCase()) === "active") ? true : undefined;
    },
    timeoutMs,
    500,
  );
}

/** Runs `work` over `items` with at most `limit` at a time. */
export async function eachLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
