// The OAuth state record of one consent in flight: oauthStates/{state}, single use, expiring with a TTL.
// The PKCE verifier is sealed with a binding to the user and the state id, so the document alone
// cannot finish the flow.
import { createHash } from "node:crypto";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { IntegrationName } from "./integrations";
import { SealedToken } from "./token-cipher";

export const OAUTH_STATE_COLLECTION = "oauthStates";
/** Long enough to read a consent screen, short enough that a leaked URL soon stops working. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

export const OAuthState = z.object({
  orgId: z.string(),
  userId: z.string(),
  email: z.string(),
  integration: IntegrationName,
  returnTo: z.string().nullable(),
  /** The PKCE verifier, sealed like a token: the state document alone cannot finish the flow. */
  codeVerifier: SealedToken,
  createdAt: z.instanceof(Timestamp),
  expireAt: z.instanceof(Timestamp),
});
export type OAuthState = z.infer<typeof OAuthState>;

export const sha256url = (text: string) => createHash("sha256").update(text).digest("base64url");
export const stateBinding = (state: OAuthState | { orgId: string; userId: string }, stateId: string) => ({
  orgId: state.orgId,
  userId: state.userId,
  grantId: `state:${sha256url(stateId)}`,
  field: "pkce_verifier" as const,
});
