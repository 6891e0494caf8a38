// The orgs capability's entry: what other capabilities may ask of it. Everything else is internal.
export { type OnboardingDeps, onboardOrg } from "./onboarding";
export { firestoreOrgRepository, type Org, type OrgRepository } from "./org-repository";
export type { SignInPolicy } from "./org-settings";
