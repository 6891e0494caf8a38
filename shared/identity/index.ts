// The identity capability's entry: the types and values other capabilities may use. Its services are
// built by the composition root (shared/wiring), never by another capability.
export type { AccessToken, AccessTokenProvider } from "./access-token-provider";
export type { Grant, GrantRepository } from "./grant-repository";
export type { IdentityServices } from "./identity-services";
export type { IntegrationTeardown, TeardownRegistry, TeardownTarget } from "./integration-teardown";
export { INTEGRATION_NAMES, INTEGRATIONS, type IntegrationName } from "./integrations";
export type { UserOffboarding } from "./user-offboarding";

import type { GrantRepository } from "./grant-repository";
/** Which grant serves a user's integration, and in what state. */
export type GrantLookup = Pick<GrantRepository, "findForIntegration">;
