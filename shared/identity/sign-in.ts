// The end of every successful sign-in: the account must be active and licensed (or be created just in
// time where the org allows it); then a one-time login code, never a token in a URL.

import { randomUUID } from "node:crypto";
import { z } from "zod";
import { canSignIn, type UserAccount, type UserRepository } from "../accounts";
import { publishAuditEvent } from "../audit";
import { AppError } from "../platform/errors";
import type { OneTimeRecords } from "../platform/one-time-records";
import type { EventPublisher } from "../platform/pubsub";

export const LOGIN_CODE_TTL_MS = 2 * 60 * 1000;
export const LoginCode = z.looseObject({ orgId: z.string(), userId: z.string() });
export type LoginCode = z.infer<typeof LoginCode>;

export interface SignInDeps {
  users: UserRepository;
  loginCodes: OneTimeRecords<LoginCode>;
  publisher: EventPublisher;
}

export async function completeSignIn(
  deps: SignInDeps,
  input: {
    orgId: string;
    email: string;
    jitProvisioning: boolean;
    method: "saml";
    ip?: string;
    assertionId?: string;
  },
): Promise<{ code: string; user: UserAccount }> {
  let user = await deps.users.findByEmail(input.orgId, input.email);
  if (!user && input.jitProvisioning) {
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
      actor: { type: "system", id: "sso" },
      target: { type: "user", id: user.id },
    });
  }
  if (!canSignIn(user)) {
    throw new AppError(
      "user_not_provisioned",
      "This account has no active, licensed Switchboard user in the organisation",
    );
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
