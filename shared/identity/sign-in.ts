// The end of every successful sign-in: the account must be active and licensed (or be created just in
// time where the org allows it); then a one-time login code, never a token in a URL.

import { randomUUID } from "node:crypto";
import { z } from "zod";
import { canSignIn, type UserAccount, type UserRepository } from "../accounts";
import { publishAuditEvent } from "../audit";
import { AppError } from "../platform/errors";
import type { OneTimeRecords } from "../platform/one-time-records";
import type { EventPublisher } from "../platform/pubsub";

/** The audit line of a sign-in refused with a 4xx, whichever method (SAML or Google) refused it. */
export async function auditSignInRefused(
  publisher: EventPublisher,
  refusal: { orgId: string; method: "saml" | "google"; code: string; ip?: string | undefined },
): Promise<void> {
  await publishAuditEvent(publisher, {
    orgId: refusal.orgId,
    action: "sso.login.refused",
    outcome: "failure",
    actor: { type: "google", id: refusal.method === "saml" ? "saml" : "google-sign-in" },
    reason: refusal.code,
    ...(refusal.ip ? { ip: refusal.ip } : {}),
    ...(refusal.method === "google" ? { details: { method: "google" } } : {}),
  });
}

export const LOGIN_CODE_TTL_MS = 2 * 60 * 1000;
export const LoginCode = z.looseObject({ orgId: z.string(), userId: z.string() });
export type LoginCode = z.infer<typeof LoginCode>;

/** What an org decides about sign-in (orgs/{org}, the orgs capability). */
export interface SignInSettings {
  signInPolicy: { google: boolean; saml: boolean; requireSaml: boolean };
  jitProvisioning: boolean;
}

export interface SignInDeps {
  users: UserRepository;
  loginCodes: OneTimeRecords<LoginCode>;
  publisher: EventPublisher;
  /** The org's sign-in policy and JIT setting; without it every method is allowed and JIT is as passed. */
  orgSettings?: (orgId: string) => Promise<SignInSettings | undefined>;
}

/**
 * The org's policy for this method and account: true when it is an admin's break-glass Google sign-in
 * into an org that requires SAML (allowed, and audited as such).
 */
function checkPolicy(
  policy: SignInSettings["signInPolicy"],
  method: "saml" | "google",
  user: UserAccount | undefined,
): boolean {
  const refuse = (message: string) =>
    new AppError("sign_in_method_not_allowed", message, { details: { method } });
  if (method === "saml") {
    if (!policy.saml) throw refuse("This organisation does not accept SAML sign-in");
    return false;
  }
  if (policy.requireSaml) {
    if (user?.role === "admin" && canSignIn(user)) return true;
    throw refuse("This organisation requires single sign-on (SAML); sign in through it");
  }
  if (!policy.google) throw refuse("This organisation does not accept Sign in with Google");
  return false;
}

export async function completeSignIn(
  deps: SignInDeps,
  input: {
    orgId: string;
    email: string;
    jitProvisioning: boolean;
    method: "saml" | "google";
    ip?: string;
    assertionId?: string;
  },
): Promise<{ code: string; user: UserAccount }> {
  const settings = await deps.orgSettings?.(input.orgId);
  let user = await deps.users.findByEmail(input.orgId, input.email);
  const breakGlass = settings ? checkPolicy(settings.signInPolicy, input.method, user) : false;
  if (!user && (settings?.jitProvisioning ?? input.jitProvisioning)) {
    user = {
      id: randomUUID(),
      orgId: input.orgId,
      email: input.email,
      role: "user",
      status: "active",
      licensed: true,
    };
    await deps.users.create(user);
    await publishAuditEvent(deps.publisher, {
      orgId: input.orgId,
      action: "user.provisioned_just_in_time",
      outcome: "success",
      actor: { type: "system", id: input.method === "saml" ? "sso" : "google-sign-in" },
      target: { type: "user", id: user.id },
    });
  }
  if (!canSignIn(user)) {
    throw new AppError(
      "user_not_provisioned",
      "This account has no active, licensed Switchboard user in the organisation",
    );
  }
  if (breakGlass) {
    await publishAuditEvent(deps.publisher, {
      orgId: input.orgId,
      action: "sso.login.break_glass",
      outcome: "success",
      actor: { type: "admin", id: user.id },
      ...(input.ip ? { ip: input.ip } : {}),
      details: { method: input.method, reason: "admin Google sign-in while SAML is required" },
    });
  }
  const code = await deps.loginCodes.create({ orgId: input.orgId, userId: user.id });
  await publishAuditEvent(deps.publisher, {
    orgId: input.orgId,
    action: "sso.login.succeeded",
    outcome: "success",
    actor: { type: "user", id: user.id },
    ...(input.assertionId ? { target: { type: "saml_assertion", id: input.assertionId } } : {}),
    ...(input.ip ? { ip: input.ip } : {}),
    details: { method: input.method },
  });
  return { code, user };
}
