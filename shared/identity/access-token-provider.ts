// Access tokens for every worker: the cached one while it has more than 5 minutes left, otherwise one
// refresh, collapsed three ways (docs/product.md#token-refresh-races):
//  - within an instance, concurrent callers share one promise (per user+integration, and per grant);
//  - across instances, a Firestore lease per grant lets one refresh while the others wait and re-read
//    the grant, using the token the winner stored;
//  - on invalid_grant the grant is re-read first: if its refresh token changed meanwhile (a reconnect),
//    that one is used; only an unchanged, dead token marks the grant needs_reauth (never deleted).
// An access token Google refuses (401) before its expiry is forgotten, so the next caller refreshes it
// once; if Google refuses the refreshed token too, the grant is marked needs_reauth (README "Token
// failures" in tools/workspace-sim: tokens die early, revocation propagates slowly).
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { AppError } from "../platform/errors";
import { acquireLease, heldLease, LEASE_COLLECTION, releaseLease } from "../platform/lease";
import type { Logger } from "../platform/logger";
import type { EventPublisher } from "../platform/pubsub";
import { truncateText } from "../platform/text";
import type { GoogleOAuth, TokenSet } from "./google-oauth";
import { InvalidGrantError } from "./google-oauth";
import { type Grant, type GrantKey, type GrantRepository, keyOf } from "./grant-repository";
import { GrantStatusChangedMessage } from "./grant-status-changed";
import { INTEGRATIONS, type IntegrationName, missingScopes } from "./integrations";
import type { TokenCipher } from "./token-cipher";

export const MIN_REMAINING_MS = 5 * 60_000;

export interface AccessToken {
  token: string;
  expiresAt: Date;
  scopes: string[];
  grantId: string;
}

export type KeepAliveOutcome = "renewed" | "fresh" | "gone" | "needs_reauth";

export interface AccessTokenProvider {
  /** A usable token for the user's integration; throws a non-retryable AppError when only the user can fix it. */
  getAccessToken(user: { orgId: string; userId: string }, integration: IntegrationName): Promise<AccessToken>;
  /** Refreshes the grant's access token if it expires within `withinMs` (the keep-alive worker). */
  keepAlive(key: GrantKey, withinMs: number): Promise<KeepAliveOutcome>;
  /**
   * Google answered 401 to `token` although it had not expired. The first time, the token is forgotten
   * (only if the grant still holds it), so the next getAccessToken refreshes it. `again` (a token just
   * refreshed was refused too) marks the grant needs_reauth and throws the needs_reauth error.
   */
  tokenRefused(
    user: { orgId: string; userId: string },
    integration: IntegrationName,
    token: string,
    again: boolean,
  ): Promise<void>;
}

export interface AccessTokenProviderDeps {
  db: Firestore;
  grants: GrantRepository;
  cipher: TokenCipher;
  oauth: () => GoogleOAuth;
  publisher: EventPublisher;
  now: () => Date;
  log: Logger;
  /** Names this instance as lease owner. */
  instanceId?: string;
  minRemainingMs?: number;
  /** How long one refresh may hold the lease; a crashed holder blocks the others at most this long. */
  leaseTtlMs?: number;
  /** How long a caller waits for another instance's refresh before giving up (retryable). */
  maxWaitMs?: number;
}

const needsReauth = (grant: Grant) =>
  new AppError(
    "precondition_failed",
    "Google access for this integration was revoked or expired; reconnect it",
    {
      retryable: false,
      details: { reason: "needs_reauth", grantId: grant.grantId, lastError: grant.lastError },
    },
  );

const notConnected = (integration: string) =>
  new AppError("precondition_failed", `The ${integration} integration is not connected`, {
    retryable: false,
    details: { reason: "not_connected", integration },
  });

const bindingOf = (
  g: Pick<Grant, "orgId" | "userId" | "grantId">,
  field: "refresh_token" | "access_token",
) => ({
  ...keyOf(g),
  field,
});

const pathOf = (k: GrantKey) => `orgs/${k.orgId}/users/${k.userId}/grants/${k.grantId}`;

/** Integrations the grant serves whose scopes it no longer covers. */
const partialOf = (grant: Pick<Grant, "integrations" | "scopes">) =>
  grant.integrations.filter((name) => missingScopes(INTEGRATIONS[name], grant.scopes).length > 0);

/** Same sealing (a fresh random IV each time), so the same stored value. */
const sameSeal = (a: Grant["accessToken"], b: Grant["accessToken"]) =>
  a !== null && b !== null && a.iv === b.iv && a.data === b.data;

/** Tokens compared in constant time (over their digests, so lengths do not leak either). */
const sameToken = (a: string, b: string) =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

/** Shares one in-flight promise per key among concurrent callers. */
function singleFlight<T>() {
  const inflight = new Map<string, Promise<T>>();
  return (key: string, work: () => Promise<T>): Promise<T> => {
    let p = inflight.get(key);
    if (!p) {
      p = work().finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };
}

export function accessTokenProvider(deps: AccessTokenProviderDeps): AccessTokenProvider {
  const { db, grants, cipher, publisher, log } = deps;
  const owner = deps.instanceId ?? `instance-${randomUUID()}`;
  const minRemainingMs = deps.minRemainingMs ?? MIN_REMAINING_MS;
  const leaseTtlMs = deps.leaseTtlMs ?? 30_000;
  const maxWaitMs = deps.maxWaitMs ?? 2 * leaseTtlMs;
  const perUser = singleFlight<AccessToken>();
  const perGrant = singleFlight<Grant>();

  const fresh = (g: Grant, withinMs: number) =>
    g.accessToken !== null &&
    g.accessTokenExpiresAt !== null &&
    g.accessTokenExpiresAt.getTime() - deps.now().getTime() > withinMs;

  function assertUsable(grant: Grant | undefined, key: GrantKey): Grant {
    if (!grant) throw notConnected(key.grantId);
    if (grant.status !== "connected") throw needsReauth(grant);
    return grant;
  }

  async function publishStatus(grant: Grant, reason: string, version = grant.version) {
    await publisher.publish(
      GrantStatusChangedMessage,
      {
        id: `${grant.orgId}:${grant.userId}:${grant.grantId}:${version}:${reason}`,
        orgId: grant.orgId,
        userId: grant.userId,
        grantId: grant.grantId,
        status: grant.status,
        integrations: grant.integrations,
        partialIntegrations: partialOf(grant),
        reason,
        occurredAt: deps.now().toISOString(),
      },
      { orderingKey: `${grant.orgId}/${grant.userId}` },
    );
  }

  /**
   * The grant cannot work until the user reconnects (its refresh token is dead, or Google refuses the
   * tokens it gives) and it is unchanged since we read it: mark it, tell the others, refuse.
   */
  async function markDead(
    grant: Grant,
    reason: "invalid_grant" | "unauthenticated",
    description: string,
  ): Promise<never> {
    const now = deps.now();
    const marked: Grant = {
      ...grant,
      status: "needs_reauth",
      version: grant.version + 1,
      lastError: truncateText(`${reason}: ${description}`, 300),
      lastErrorAt: now,
      accessToken: null,
      accessTokenExpiresAt: null,
      updatedAt: now,
    };
    // Publish first (its id is deterministic per transition): a crash after it re-publishes the same
    // event on retry rather than losing it.
    await publishStatus(marked, reason);
    await grants.mutate(keyOf(grant), (current) =>
      current && current.version === grant.version && current.status === "connected"
        ? { write: { ...marked, keepAlive: current.keepAlive, lastUsedAt: current.lastUsedAt } }
        : undefined,
    );
    log.warn("grant.needs_reauth", {
      grantId: grant.grantId,
      orgId: grant.orgId,
      userId: grant.userId,
      reason,
    });
    throw needsReauth(marked);
  }

  /** Stores a successful refresh. Compare-and-set on `version`: a newer refresh token is never overwritten. */
  async function store(read: Grant, tokens: TokenSet): Promise<Grant> {
    const now = deps.now();
    const accessToken = await cipher.seal(tokens.accessToken, bindingOf(read, "access_token"));
    // Google may rotate the refresh token; a value sealed under a retired key is re-sealed under the current one.
    const rotated = tokens.refreshToken !== undefined;
    const reseal = rotated || (await cipher.isStale(read.refreshToken));
    const refreshToken = reseal
      ? await cipher.seal(
          tokens.refreshToken ?? (await cipher.open(read.refreshToken, bindingOf(read, "refresh_token"))),
          bindingOf(read, "refresh_token"),
        )
      : read.refreshToken;
    const accessFields = {
      accessToken,
      accessTokenExpiresAt: new Date(now.getTime() + tokens.expiresIn * 1000),
      lastRefreshedAt: now,
      updatedAt: now,
      lastError: null,
      lastErrorAt: null,
      ...(tokens.scopes.length > 0 ? { scopes: tokens.scopes } : {}),
    };
    const stored = await grants.mutate(keyOf(read), (current) => {
      if (current?.status !== "connected") return undefined;
      if (current.version !== read.version) {
        // Someone stored a newer refresh token meanwhile: keep it, but our access token is still good.
        return { write: { ...current, ...accessFields } };
      }
      return {
        write: {
          ...current,
          ...accessFields,
          refreshToken,
          version: reseal ? current.version + 1 : current.version,
        },
      };
    });
    if (!stored) {
      // Disconnected or marked dead while we refreshed: say which.
      assertUsable(await grants.get(keyOf(read)), keyOf(read));
      throw new AppError("conflict", "The grant changed during the refresh; try again", { retryable: true });
    }
    const newlyPartial = partialOf(stored).filter((n) => !partialOf(read).includes(n));
    if (newlyPartial.length > 0) {
      log.warn("grant.scope_drift", { grantId: stored.grantId, partial: newlyPartial });
      await publishStatus(stored, "scope_drift");
    }
    return stored;
  }

  /** Under the lease: re-read, then refresh unless someone already did. */
  async function refreshUnderLease(key: GrantKey, withinMs: number): Promise<Grant> {
    let grant = assertUsable(await grants.get(key), key);
    for (let attempt = 0; ; attempt++) {
      if (fresh(grant, withinMs)) return grant;
      const refreshToken = await cipher.open(grant.refreshToken, bindingOf(grant, "refresh_token"));
      let tokens: TokenSet;
      try {
        tokens = await deps.oauth().refresh(refreshToken);
      } catch (error) {
        if (!(error instanceof InvalidGrantError)) throw error;
        // Another instance or a reconnect may have replaced the token we read: re-read before declaring it dead.
        const reread = assertUsable(await grants.get(key), key);
        if (reread.version !== grant.version && attempt < 3) {
          log.info("grant.refresh_token_changed_meanwhile", { grantId: key.grantId });
          grant = reread;
          continue;
        }
        return markDead(reread, "invalid_grant", error.description);
      }
      return store(grant, tokens);
    }
  }

  /** Polls the grant and the lease until the holder stored a fresh token, failed, or let go. */
  async function waitForHolder(
    key: GrantKey,
    leaseName: string,
    withinMs: number,
  ): Promise<Grant | undefined> {
    const leaseRef = db.collection(LEASE_COLLECTION).doc(encodeURIComponent(leaseName));
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, Math.min(200, 20 * 2 ** i)));
      const [grant, lease] = await Promise.all([grants.get(key), leaseRef.get()]);
      if (grant?.status !== "connected" || fresh(grant, withinMs)) return grant;
      const expiresAt = heldLease(lease)?.expiresAt;
      // The holder released the lease (it failed) or let it lapse (it crashed): try ourselves.
      if (!expiresAt || expiresAt.getTime() <= Date.now()) return grant;
    }
  }

  /** A grant whose access token has more than `withinMs` left, refreshing it once across all instances. */
  function ensureFresh(key: GrantKey, withinMs: number): Promise<Grant> {
    return perGrant(pathOf(key), async () => {
      const leaseName = `grant-refresh:${pathOf(key)}`;
      const deadline = Date.now() + maxWaitMs;
      for (;;) {
        const lease = await acquireLease(db, leaseName, owner, leaseTtlMs);
        if (lease) {
          try {
            return await refreshUnderLease(key, withinMs);
          } finally {
            await releaseLease(db, lease).catch(() => undefined);
          }
        }
        const seen = assertUsable(await waitForHolder(key, leaseName, withinMs), key);
        if (fresh(seen, withinMs)) return seen;
        if (Date.now() > deadline)
          throw new AppError(
            "upstream_unavailable",
            "Another instance's token refresh did not finish in time",
            {
              retryable: true,
            },
          );
      }
    });
  }

  return {
    getAccessToken({ orgId, userId }, integration) {
      return perUser(`${orgId}/${userId}/${integration}`, async () => {
        const found = await grants.findForIntegration(orgId, userId, integration);
        if (!found) throw notConnected(integration);
        let grant = assertUsable(found, keyOf(found));
        if (!fresh(grant, minRemainingMs)) grant = await ensureFresh(keyOf(grant), minRemainingMs);
        const missing = missingScopes(INTEGRATIONS[integration], grant.scopes);
        if (missing.length > 0) {
          throw new AppError(
            "precondition_failed",
            `Google access for ${integration} lacks scopes; reconnect it`,
            {
              retryable: false,
              details: { reason: "partial", integration, missingScopes: missing },
            },
          );
        }
        const token = await cipher.open(grant.accessToken!, bindingOf(grant, "access_token"));
        // Best effort, at most hourly: marks the grant as in use, for the keep-alive worker's idleness rule.
        await grants.touch(grant, deps.now()).catch(() => undefined);
        return {
          token,
          expiresAt: grant.accessTokenExpiresAt!,
          scopes: grant.scopes,
          grantId: grant.grantId,
        };
      });
    },
    async tokenRefused({ orgId, userId }, integration, token, again) {
      const found = await grants.findForIntegration(orgId, userId, integration);
      if (!found) throw notConnected(integration);
      const grant = assertUsable(found, keyOf(found));
      const held = grant.accessToken
        ? await cipher.open(grant.accessToken, bindingOf(grant, "access_token"))
        : undefined;
      // Another caller already replaced it (or a reconnect did): nothing to forget, nothing to blame.
      if (held === undefined || !sameToken(held, token)) {
        if (again)
          throw new AppError("conflict", "The grant changed while Google refused its token; try again", {
            retryable: true,
          });
        return;
      }
      const context = { grantId: grant.grantId, orgId, userId, integration };
      if (again) {
        log.warn("grant.refreshed_token_refused", context);
        await markDead(grant, "unauthenticated", "Google refused a freshly refreshed access token (401)");
      }
      log.info("grant.access_token_refused", context);
      await grants.mutate(keyOf(grant), (current) =>
        current?.status === "connected" && sameSeal(current.accessToken, grant.accessToken)
          ? { write: { ...current, accessToken: null, accessTokenExpiresAt: null, updatedAt: deps.now() } }
          : undefined,
      );
    },
    async keepAlive(key, withinMs) {
      const grant = await grants.get(key);
      if (!grant) return "gone";
      if (grant.status !== "connected") return "needs_reauth";
      if (fresh(grant, withinMs)) return "fresh";
      try {
        const after = await ensureFresh(key, withinMs);
        return after.lastRefreshedAt && after.lastRefreshedAt > (grant.lastRefreshedAt ?? new Date(0))
          ? "renewed"
          : "fresh";
      } catch (error) {
        if (error instanceof AppError && error.details?.reason === "needs_reauth") return "needs_reauth";
        if (error instanceof AppError && error.details?.reason === "not_connected") return "gone";
        throw error;
      }
    },
  };
}
