// What the console server tells the page about the stack (GET /config.json): where the API and the
// sign-in routes are, the demo organisation and its people (ids for the presence board), and where
// sign-in and consent come back to.
export interface ConsoleConfig {
  apiUrl: string;
  authUrl: string;
  orgId: string;
  /** The demo organisation's Google IdP id (SAML sign-in through the simulator). */
  idpId: string;
  returnTo: string;
  users: Array<{ email: string; id: string | null; role: "admin" | "user"; suspended?: boolean }>;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/config.json");
  if (!res.ok) throw new Error(`GET /config.json answered ${res.status}`);
  return (await res.json()) as ConsoleConfig;
}
