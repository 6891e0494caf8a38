// The soak's world: two organisations in the simulated Workspace, each with an admin and `people`
// people across two OUs, one OAuth client and the stack's directory service account delegated in both.
import { INTEGRATIONS } from "../../shared/identity/integrations";
import { DEMO_OAUTH_CLIENT } from "../stack/local-secrets";
import { DEMO_DIRECTORY_SERVICE_ACCOUNT } from "../stack/stack";

export interface SoakOrg {
  id: string;
  name: string;
  domain: string;
  admin: string;
  people: string[];
}

export const SOAK_OUS = ["/Sales", "/Support"] as const;

export function soakOrgs(peoplePerOrg: number): SoakOrg[] {
  return [
    { id: "soak-alpha", name: "Alpha Freight", domain: "alpha.soak.example" },
    { id: "soak-beta", name: "Beta Clinics", domain: "beta.soak.example" },
  ].map((o) => ({
    ...o,
    admin: `admin@${o.domain}`,
    people: Array.from({ length: peoplePerOrg }, (_, i) => `p${String(i + 1).padStart(3, "0")}@${o.domain}`),
  }));
}

/** The simulator's seed for these organisations; sign-in and consent return to the auth function. */
export function soakSeed(orgs: SoakOrg[], authUrl: string): unknown {
  return {
    orgs: orgs.map((o, n) => ({
      id: o.id,
      domain: o.domain,
      defaultRegion: "GB",
      orgUnits: SOAK_OUS.map((path) => ({ path, description: path.slice(1) })),
      appAccess: { orgUnits: ["/"] },
      oauthClients: [
        {
          ...DEMO_OAUTH_CLIENT,
          redirectUris: [`${authUrl}/auth/google/callback`, `${authUrl}/oauth/google/callback`],
        },
      ],
      serviceAccounts: [
        {
          email: DEMO_DIRECTORY_SERVICE_ACCOUNT,
          clientId: "104250000000000000001",
          delegatedScopes: [...INTEGRATIONS.directory.scopes],
        },
      ],
      users: [
        { email: o.admin, givenName: "Ada", familyName: `Admin${n}`, isAdmin: true, orgUnitPath: "/Sales" },
        ...o.people.map((email, i) => ({
          email,
          givenName: `Person${i + 1}`,
          familyName: o.name.split(" ")[0]!,
          orgUnitPath: SOAK_OUS[i % SOAK_OUS.length],
        })),
      ],
    })),
  };
}
