// Applies a provisioning diff: each change writes the account together with its audit and provisioning
// events (one transaction, through the outbox), runs the offboarding it calls for, then relays the events;
// a relay that fails or never happens is done by the outbox sweep (platform/outbox.ts), so a crash loses
// no event. Every write sets the whole target state, so re-applying a change (a redelivered message, a
// retried request) converges instead of doubling anything.

import type { Firestore } from "@google-cloud/firestore";
import type { z } from "zod";
import type { ProvisioningUserRepository, UserAccount } from "../accounts";
import { AuditEventMessage } from "../audit";
import type { UserOffboarding } from "../identity";
import type { Logger } from "../platform/logger";
import { type OutboxMessage, relayOne } from "../platform/outbox";
import type { EventPublisher } from "../platform/pubsub";
import type { AccountProfile, ProvisioningChange } from "./provisioning-diff";
import { UserProvisioningEvent } from "./provisioning-events";
import type { ProvisioningSettings } from "./provisioning-settings";

export interface ApplyDeps {
  users: ProvisioningUserRepository;
  /** Where the outbox lives (the same database as the accounts). */
  db: () => Firestore;
  publisher: EventPublisher;
  offboarding: UserOffboarding;
  clock: () => Date;
  log: Logger;
}

export type Actor = { type: "system"; id: "directory-sync" } | { type: "admin"; id: string };

export interface ApplyResult {
  applied: number;
  failed: Array<{ accountId: string; action: string; error: string }>;
}

const withProfile = (a: UserAccount, p: AccountProfile): UserAccount => ({
  ...a,
  email: p.email,
  displayName: p.displayName,
  phone: p.phone,
  orgUnitPath: p.orgUnitPath,
  department: p.department,
});

export async function applyProvisioningChanges(
  deps: ApplyDeps,
  orgId: string,
  settings: ProvisioningSettings,
  changes: ProvisioningChange[],
  actor: Actor,
): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, failed: [] };
  for (const change of changes) {
    try {
      await applyOne(deps, orgId, settings, change, actor);
      result.applied++;
    } catch (error) {
      // One account's failure must not hold back the others; the next sync or reconcile retries it.
      deps.log.warn("provisioning.change_failed", {
        orgId,
        accountId: change.accountId,
        action: change.action,
        error,
      });
      result.failed.push({
        accountId: change.accountId,
        action: change.action,
        error: (error as Error).message,
      });
    }
  }
  return result;
}

async function applyOne(
  deps: ApplyDeps,
  orgId: string,
  settings: ProvisioningSettings,
  change: ProvisioningChange,
  actor: Actor,
): Promise<void> {
  const now = deps.clock();
  const existing = await deps.users.get(orgId, change.accountId);
  let event: (typeof UserProvisioningEvent.schema)["_output"]["action"];
  let next: UserAccount;
  /** What the change does beyond the account (after it is saved): ending sessions, offboarding. */
  let then: (() => Promise<unknown>) | undefined;
  switch (change.action) {
    case "create": {
      const base: UserAccount = existing ?? {
        id: change.accountId,
        orgId,
        email: change.profile.email,
        role: "user",
        status: "active",
        licensed: true,
      };
      next = {
        ...withProfile(base, change.profile),
        status: "active",
        licensed: true,
        workspaceId: change.workspaceId,
        managedBy: "provisioning",
        licenceType: settings.licenceType,
        pendingDeprovision: null,
        deprovisionedAt: null,
      };
      event = change.linksExisting ? "linked" : "created";
      break;
    }
    case "update": {
      if (!existing) throw new Error(`account ${change.accountId} is gone`);
      const restore = change.reason === "restored";
      next = {
        ...withProfile(existing, change.profile),
        ...(restore
          ? {
              status: "active",
              licensed: true,
              pendingDeprovision: null,
              deprovisionedAt: null,
              licenceType: settings.licenceType,
            }
          : {}),
      };
      event = restore ? "restored" : "updated";
      break;
    }
    case "suspend": {
      if (!existing) return;
      next = { ...existing, status: "suspended", licensed: false, pendingDeprovision: null };
      then = () => deps.offboarding.revokeSessions(orgId, existing.id, "suspended_in_workspace");
      event = "licence_revoked";
      break;
    }
    case "deprovision": {
      if (!existing) return;
      if (change.step === "start_grace") {
        next = {
          ...existing,
          pendingDeprovision: { reason: change.reason, since: now.toISOString(), dueAt: change.dueAt },
        };
        event = "grace_started";
        break;
      }
      next = {
        ...existing,
        status: change.deprovisioning === "remove" ? "deprovisioned" : "suspended",
        licensed: false,
        pendingDeprovision: null,
        deprovisionedAt: now.toISOString(),
      };
      then = () => deps.offboarding.offboard(orgId, existing.id, `deprovisioned_${change.reason}`);
      event = "deprovisioned";
      break;
    }
  }
  const occurredAt = now.toISOString();
  // Deterministic ids: a re-applied change re-announces under the same ids, which consumers drop.
  const eventId = `provisioning.${event}:${orgId}:${change.accountId}:${occurredAt}`;
  const audit: OutboxMessage<typeof AuditEventMessage.schema> = {
    id: `audit:${eventId}`,
    type: AuditEventMessage,
    payload: {
      id: eventId,
      orgId,
      action: `provisioning.${event}`,
      outcome: "success",
      actor,
      target: { type: "user", id: change.accountId },
      reason: change.reason,
      occurredAt,
      details: {
        workspaceId: change.workspaceId,
        ...(change.action === "deprovision" ? { step: change.step, dueAt: change.dueAt } : {}),
      },
    },
  };
  const provisioning: OutboxMessage<typeof UserProvisioningEvent.schema> = {
    id: `user-provisioning:${eventId}`,
    type: UserProvisioningEvent,
    payload: {
      orgId,
      accountId: change.accountId,
      workspaceId: change.workspaceId,
      action: event,
      reason: change.reason,
      ...(change.action === "deprovision" && change.step === "execute"
        ? { deprovisioning: change.deprovisioning }
        : {}),
      occurredAt,
    },
    orderingKey: `${orgId}/${change.accountId}`,
  };
  const events = [audit, provisioning] as Array<OutboxMessage<z.ZodType>>;
  await deps.users.save(next, events, now);
  await then?.();
  for (const message of events) {
    await relayOne(deps.db(), deps.publisher, message).catch((error: unknown) =>
      deps.log.warn("provisioning.relay_deferred", { id: message.id, error: String(error) }),
    );
  }
}
