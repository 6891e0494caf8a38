// Which configuration variables a deployed function cannot work without. The schema (config.ts) keeps them
// optional so tests and the local stack start without them; a deployment must set them. The README's
// configuration table, Terraform (terraform/config-variables.json, both written by `npm run generate`) and
// /readyz all read this one map.
import type { Config } from "./config";

type Variable = keyof Config;

/** The functions that exchange or refresh Google OAuth tokens (those the manifest gives oauth-client-secret). */
const TOKEN_USERS = [
  "api",
  "auth",
  "token-refresh",
  "directory-sync",
  "directory-writeback",
  "contact-sync",
  "calendar-sync",
  "channel-renewal",
] as const;

/** Variable => the functions that need it set in production and staging. */
export const REQUIRED_IN_PRODUCTION: Partial<Record<Variable, readonly string[]>> = {
  // Every OAuth call names the client; refreshing a token needs it as much as consent does.
  GOOGLE_OAUTH_CLIENT_ID: TOKEN_USERS,
  // The SAML ACS and entity id, and the OAuth redirect URI every OAuth client is built with.
  PUBLIC_AUTH_URL: TOKEN_USERS,
  // Sign-in and consent return only to these (auth), and CORS admits only them (api).
  ALLOWED_RETURN_ORIGINS: ["api", "auth"],
  // Where an IdP-initiated sign-in (Google's app launcher) lands.
  DEFAULT_RETURN_URL: ["auth"],
  // The address Google's watch channels deliver to: calendar connect and renewal, directory users.watch.
  PUBLIC_WEBHOOKS_URL: ["calendar-sync", "channel-renewal", "directory-sync"],
  // Meeting join links (sidebar and meeting details on the api).
  WEB_CLIENT_ORIGIN: ["api"],
};

/** The environments that are deployments: the map above applies there. */
export const DEPLOYED_ENVIRONMENTS: ReadonlyArray<Config["SWITCHBOARD_ENV"]> = ["production", "staging"];

/** The variables a function needs in production, sorted. */
export function requiredInProduction(functionName: string): string[] {
  return Object.entries(REQUIRED_IN_PRODUCTION)
    .filter(([, functions]) => functions?.includes(functionName))
    .map(([variable]) => variable)
    .sort();
}

const isSet = (value: unknown) =>
  value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0);

/** The variables this function needs but lacks; none outside a deployment (tests, the local stack). */
export function missingProductionConfig(config: Config, functionName: string): string[] {
  if (!DEPLOYED_ENVIRONMENTS.includes(config.SWITCHBOARD_ENV)) return [];
  return requiredInProduction(functionName).filter((name) => !isSet(config[name as Variable]));
}

/** Set by Terraform itself from its own inputs (project_id, environment); never a deployment setting. */
export const SET_BY_TERRAFORM: readonly Variable[] = ["GOOGLE_CLOUD_PROJECT", "SWITCHBOARD_ENV"];

/** Never set in a deployment: emulators and the local secrets file are for tests and the local stack, PORT is the platform's. */
export const NEVER_DEPLOYED: readonly Variable[] = [
  "FIRESTORE_EMULATOR_HOST",
  "PUBSUB_EMULATOR_HOST",
  "SECRETS_BACKEND",
  "LOCAL_SECRETS_FILE",
  "PORT",
];
