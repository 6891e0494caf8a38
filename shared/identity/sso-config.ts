// Per-organisation SAML settings (the IdP's entity ID, SSO URL and up to two certificates, so a rotation
// never locks anyone out), stored on orgs/{org} with an index from IdP entity ID to org for the ACS.
import { createHash } from "node:crypto";
import { FieldValue, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "../platform/errors";
import { parseDocument, parseField } from "../platform/firestore";

export const SsoConfig = z.object({
  idpEntityId: z.string().min(1),
  ssoUrl: z.url(),
  certificates: z
    .array(z.object({ pem: z.string(), notAfter: z.string(), fingerprintSha256: z.string() }))
    .min(1)
    .max(2),
  /** Accept logins started in Google's app launcher (no AuthnRequest of ours to match). */
  allowIdpInitiated: z.boolean(),
  /** Create an account on first sign-in for users not yet provisioned. */
  jitProvisioning: z.boolean(),
  updatedAt: z.string(),
  /**
   * What the IdP signed in the last accepted login ("Signed response" ticked in Google: the response;
   * unticked: the assertion) and since when; recorded by the ACS when it changes, shown to the admin.
   */
  signedPart: z.object({ part: z.enum(["assertion", "response", "both"]), since: z.string() }).optional(),
});
export type SsoConfig = z.infer<typeof SsoConfig>;

/** What save() needs of the stored config, so a config stored by an older version can still be replaced. */
const StoredIssuer = z.object({ idpEntityId: z.string() });
/** samlIssuers/{sha256(entity ID)}: which org configured an IdP. */
const IssuerIndex = z.object({ orgId: z.string(), entityId: z.string() });

const issuerKey = (entityId: string) => createHash("sha256").update(entityId).digest("hex");

export interface SsoConfigRepository {
  get(orgId: string): Promise<SsoConfig | undefined>;
  orgForIssuer(entityId: string): Promise<string | undefined>;
  save(orgId: string, config: SsoConfig): Promise<void>;
  recordSignedPart(orgId: string, signedPart: NonNullable<SsoConfig["signedPart"]>): Promise<void>;
}

export function firestoreSsoConfigRepository(db: Firestore): SsoConfigRepository {
  return {
    async get(orgId) {
      return parseField(SsoConfig, await db.doc(`orgs/${orgId}`).get(), "sso");
    },
    async orgForIssuer(entityId) {
      return parseDocument(IssuerIndex, await db.doc(`samlIssuers/${issuerKey(entityId)}`).get())?.orgId;
    },
    async save(orgId, config) {
      const index = db.doc(`samlIssuers/${issuerKey(config.idpEntityId)}`);
      await db.runTransaction(async (tx) => {
        const owner = parseDocument(IssuerIndex, await tx.get(index))?.orgId;
        if (owner !== undefined && owner !== orgId) {
          throw new AppError("conflict", "This IdP entity ID is already configured for another organisation");
        }
        const previous = parseField(StoredIssuer, await tx.get(db.doc(`orgs/${orgId}`)), "sso")?.idpEntityId;
        if (previous && previous !== config.idpEntityId)
          tx.delete(db.doc(`samlIssuers/${issuerKey(previous)}`));
        tx.set(index, { orgId, entityId: config.idpEntityId });
        // A new IdP has not been seen signing anything yet: a signedPart not carried over is removed.
        const sso = { ...config, signedPart: config.signedPart ?? FieldValue.delete() };
        tx.set(db.doc(`orgs/${orgId}`), { sso }, { merge: true });
      });
    },
    async recordSignedPart(orgId, signedPart) {
      await db.doc(`orgs/${orgId}`).set({ sso: { signedPart } }, { merge: true });
    },
  };
}
