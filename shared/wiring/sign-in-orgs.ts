// Sign in with Google's view of the orgs capability (identity names the port, orgs implements the
// storage; the composition root joins them, so neither capability imports the other).
import type { SignInOrg, SignInOrgs } from "../identity/google-sign-in-routes";
import { type Org, onboardOrg } from "../orgs";
import type { ProcessGraph } from "./process-graph";

const signInView = (org: Org): SignInOrg => ({
  id: org.id,
  primaryDomain: org.primaryDomain,
  signInPolicy: org.signInPolicy,
  jitProvisioning: org.jitProvisioning,
});

export function signInOrgs(graph: ProcessGraph): SignInOrgs {
  const orgs = () => graph.orgs();
  const viewOf = (org: Org | undefined) => (org ? signInView(org) : undefined);
  return {
    get: async (orgId) => viewOf(await orgs().get(orgId)),
    byDomain: async (domain) => viewOf(await orgs().byDomain(domain)),
    byCustomer: async (customerId) => viewOf(await orgs().byCustomer(customerId)),
    async onboard({ customerId, domains, admin }) {
      const primary = domains[0] ?? admin.email.split("@")[1]!;
      const { org } = await onboardOrg(
        { orgs: orgs(), publisher: graph.ports.publisher(), clock: graph.ports.clock },
        {
          displayName: primary,
          primaryDomain: primary,
          domains,
          googleCustomerId: customerId,
          firstAdmin: { email: admin.email, displayName: admin.name, workspaceId: admin.workspaceId },
          createdBy: "self_service",
        },
        { type: "google", id: admin.googleSub },
      );
      return signInView(org);
    },
  };
}
