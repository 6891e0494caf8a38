// Incremental Google consent, one integration at a time:
//   GET    /v1/integrations                 what is connected, partial (with the missing scopes) or broken
//   POST   /v1/integrations/:name/connect   Google's authorization URL (offline, include_granted_scopes, PKCE)
//   GET    /oauth/google/callback           Google's redirect back (oauth-callback-routes.ts, auth function)
//   DELETE /v1/integrations/:name           stops the integration; revokes at Google when nothing else needs it
import { randomBytes } from "node:crypto";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "../platform/errors";
import { converter, expireAfter } from "../platform/firestore";
import { type Principal, principalOf, type Route, route } from "../platform/http";
import { auditConsent } from "./consent-audit";
import { detachIntegration } from "./grant-detach";
import type { Grant } from "./grant-repository";
import type { IdentityServices } from "./identity-services";
import {
  consentScopes,
  INTEGRATION_NAMES,
  INTEGRATIONS,
  type Integration,
  type IntegrationName,
  integrationOf,
  missingScopes,
} from "./integrations";
import {
  OAUTH_STATE_COLLECTION,
  OAUTH_STATE_TTL_MS,
  OAuthState,
  sha256url,
  stateBinding,
} from "./oauth-state";
import { checkReturnUrl } from "./return-urls";

export interface IntegrationView {
  name: IntegrationName;
  purpose: string;
  scopes: readonly string[];
  status: "not_connected" | "connected" | "partial" | "needs_reauth";
  missingScopes?: string[];
  googleEmail?: string;
  lastError: string | null;
  lastErrorAt: string | null;
  /** The capability's sync status (contacts: state, last sync time, last error). */
  sync?: Record<string, unknown>;
  /** When consent is needed again (needs_reauth, partial): the call that starts it. */
  reconnect?: { method: "POST"; path: string };
}

/** GET /v1/integrations: one integration as the caller sees it (IntegrationView). */
const IntegrationAnswer = z.object({
  name: z.enum(INTEGRATION_NAMES),
  purpose: z.string(),
  scopes: z.array(z.string()).readonly(),
  status: z.enum(["not_connected", "connected", "partial", "needs_reauth"]),
  missingScopes: z.array(z.string()).optional(),
  googleEmail: z.string().optional(),
  lastError: z.string().nullable(),
  lastErrorAt: z.iso.datetime().nullable(),
  /** The capability's own sync status (contacts, calendar): described by that capability. */
  sync: z.record(z.string(), z.unknown()).optional(),
  reconnect: z.object({ method: z.literal("POST"), path: z.string() }).optional(),
});

const IntegrationList = z.object({ integrations: z.array(IntegrationAnswer) });

const ConnectBody = z.object({ returnTo: z.string().max(2000).optional() }).strict();

function integrationFor(name: string | undefined, principal: Principal): Integration {
  const integration = integrationOf(name ?? "");
  if (!integration)
    throw new AppError("not_found", `No integration named ${name}`, {
      details: { known: INTEGRATION_NAMES },
    });
  if (integration.adminOnly && principal.role !== "admin")
    throw new AppError("forbidden", `The ${integration.name} integration needs an organisation admin`);
  return integration;
}

function viewOf(integration: Integration, grant: Grant | undefined): IntegrationView {
  const base = { name: integration.name, purpose: integration.purpose, scopes: integration.scopes };
  const errors = {
    lastError: grant?.lastError ?? null,
    lastErrorAt: grant?.lastErrorAt?.toISOString() ?? null,
  };
  if (!grant || grant.status === "revoked") return { ...base, status: "not_connected", ...errors };
  const account = { googleEmail: grant.googleEmail };
  const reconnect = { method: "POST" as const, path: `/v1/integrations/${integration.name}/connect` };
  if (grant.status === "needs_reauth")
    return { ...base, status: "needs_reauth", ...account, ...errors, reconnect };
  const missing = missingScopes(integration, grant.scopes);
  return missing.length > 0
    ? { ...base, status: "partial", missingScopes: missing, ...account, ...errors, reconnect }
    : { ...base, status: "connected", ...account, ...errors };
}

/** Only to the app's own origins (return-urls.ts); without one, to DEFAULT_RETURN_URL, else a JSON answer. */
function checkedReturnTo(returnTo: string | undefined, services: IdentityServices): string | null {
  const { ALLOWED_RETURN_ORIGINS, DEFAULT_RETURN_URL } = services.deps.config;
  if (returnTo === undefined) return DEFAULT_RETURN_URL ?? null;
  return checkReturnUrl(returnTo, ALLOWED_RETURN_ORIGINS);
}

/** What other capabilities add to their integration: a sync status in GET /v1/integrations. */
export interface IntegrationExtensions {
  /** e.g. contacts → { state, lastSyncAt, lastError }: shown as `sync` on that integration's view. */
  syncStatus?: Partial<
    Record<IntegrationName, (user: { orgId: string; userId: string }) => Promise<Record<string, unknown>>>
  >;
}

/**
 * The /v1 routes, mounted in the api function. Disconnect runs the process's one teardown registry
 * (`services.teardowns()`), which the composition root fills with every capability's teardowns.
 */
export function consentRoutes(services: IdentityServices, extensions: IntegrationExtensions = {}): Route[] {
  const teardowns = () => services.teardowns();
  return [
    route({
      method: "GET",
      path: "/v1/integrations",
      access: "user",
      summary:
        "The caller's Google integrations: not_connected, connected, partial (with missing scopes) or needs_reauth",
      success: {
        status: 200,
        description: "{ integrations: IntegrationView[] }",
        schema: IntegrationList,
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const grants = await services.grants().listForUser(principal.orgId, principal.userId);
        const integrations = INTEGRATION_NAMES.map((n) => INTEGRATIONS[n])
          .filter((i) => !i.adminOnly || principal.role === "admin")
          .map((i) =>
            viewOf(
              i,
              grants.find((g) => g.integrations.includes(i.name)),
            ),
          );
        for (const view of integrations) {
          const status = extensions.syncStatus?.[view.name];
          if (status && view.status !== "not_connected") view.sync = await status(principal);
        }
        return { body: { integrations } satisfies z.input<typeof IntegrationList> };
      },
    }),
    route({
      method: "POST",
      path: "/v1/integrations/:name/connect",
      access: "user",
      body: ConnectBody,
      bodyOptional: true,
      summary: "Starts Google consent for one integration; returns the authorization URL to open",
      success: {
        status: 200,
        description: "{ authorizationUrl, expiresAt }",
        schema: z.object({ authorizationUrl: z.url(), expiresAt: z.iso.datetime() }),
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const integration = integrationFor(ctx.params.name, principal);
        const returnTo = checkedReturnTo(ctx.body?.returnTo, services);
        const oauth = services.oauth();

        const stateId = randomBytes(32).toString("base64url");
        const verifier = randomBytes(48).toString("base64url");
        const now = services.deps.clock();
        const state: OAuthState = {
          orgId: principal.orgId,
          userId: principal.userId,
          email: principal.email.toLowerCase(),
          integration: integration.name,
          returnTo,
          codeVerifier: await services.cipher().seal(verifier, stateBinding(principal, stateId)),
          createdAt: Timestamp.fromDate(now),
          expireAt: Timestamp.fromDate(expireAfter(OAUTH_STATE_TTL_MS, now)),
        };
        await services
          .db()
          .collection(OAUTH_STATE_COLLECTION)
          .withConverter(converter(OAuthState))
          .doc(stateId)
          .create(state);

        // Google sends a refresh token only on first consent. Without a working grant of ours (none yet,
        // or its token died), force the consent screen so that we get one.
        const grants = await services.grants().listForUser(principal.orgId, principal.userId);
        const forceConsent = !grants.some((g) => g.status === "connected");
        const authorizationUrl = oauth.authorizationUrl({
          scopes: consentScopes(integration),
          state: stateId,
          codeChallenge: sha256url(verifier),
          loginHint: principal.email,
          forceConsent,
        });
        ctx.log.info("integration.connect_started", { integration: integration.name, forceConsent });
        return { body: { authorizationUrl, expiresAt: state.expireAt.toDate().toISOString() } };
      },
    }),
    route({
      method: "DELETE",
      path: "/v1/integrations/:name",
      access: "user",
      summary:
        "Disconnects one integration: stops its background work; revokes at Google when no other needs the grant. Contacts: personal contacts stay in the phone system as local contacts (syncState local; nothing is deleted on either side), company contacts are removed; reconnecting relinks them without duplicates",
      success: {
        status: 200,
        description: "{ integration, status: not_connected, revokedAtGoogle }",
        schema: z.looseObject({
          integration: z.string(),
          status: z.literal("not_connected"),
          revokedAtGoogle: z.boolean(),
        }),
      },
      async handler(ctx) {
        const principal = principalOf(ctx);
        const integration = integrationFor(ctx.params.name, principal);
        const grant = await services
          .grants()
          .findForIntegration(principal.orgId, principal.userId, integration.name);
        const { detached: revokedAtGoogle, ran: stopped } = await teardowns().disconnect(
          principal,
          [integration.name],
          async () => (grant ? detachIntegration(services, grant, integration.name) : false),
        );
        await auditConsent(services, {
          orgId: principal.orgId,
          userId: principal.userId,
          action: "integration.disconnected",
          outcome: "success",
          integration: integration.name,
          details: { revokedAtGoogle, wasConnected: grant !== undefined, stopped: stopped.join(", ") },
        });
        return { body: { integration: integration.name, status: "not_connected", revokedAtGoogle } };
      },
    }),
  ];
}
