// An org's provisioning rules (who gets an account, which licence, departments, what happens on leaving)
// and how it connects to the directory. Stored on orgs/{org} as `provisioning` and `directoryConnection`.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import type { DirectoryConnection } from "../google/directory-auth";
import { parseField } from "../platform/firestore";

export const ProvisioningScope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("domain") }),
  z.object({
    kind: z.literal("orgUnits"),
    paths: z.array(z.string().startsWith("/")).min(1),
    includeSubUnits: z.boolean(),
  }),
  z.object({
    kind: z.literal("groups"),
    groupEmails: z.array(z.email().transform((e) => e.toLowerCase())).min(1),
  }),
]);
export type ProvisioningScope = z.infer<typeof ProvisioningScope>;

export const ProvisioningSettings = z.object({
  enabled: z.boolean().default(true),
  scope: ProvisioningScope,
  licenceType: z.string().min(1).max(64).default("standard"),
  /** Departments mirror the chosen OUs (paths) or groups (emails); empty ids = every OU / no group. */
  departments: z
    .object({ source: z.enum(["none", "orgUnits", "groups"]), ids: z.array(z.string()).default([]) })
    .default({ source: "none", ids: [] }),
  deprovisioning: z.enum(["suspend", "remove"]).default("suspend"),
  gracePeriodDays: z.union([z.literal(0), z.literal(1), z.literal(7), z.literal(30)]).default(7),
  mode: z.enum(["automatic", "preview"]).default("preview"),
  /** Licences the org has bought; null = unlimited. */
  seatLimit: z.number().int().min(0).nullable().default(null),
});
export type ProvisioningSettings = z.infer<typeof ProvisioningSettings>;
export type ProvisioningSettingsInput = z.input<typeof ProvisioningSettings>;

export const DirectoryConnectionSchema: z.ZodType<DirectoryConnection> = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("admin_grant"), adminUserId: z.string().min(1) }),
  z.object({ mode: z.literal("delegation"), impersonate: z.email() }),
]);

export interface ProvisioningSettingsRepository {
  get(orgId: string): Promise<ProvisioningSettings | undefined>;
  save(orgId: string, settings: ProvisioningSettingsInput): Promise<ProvisioningSettings>;
  connection(orgId: string): Promise<DirectoryConnection | undefined>;
  saveConnection(orgId: string, connection: DirectoryConnection): Promise<void>;
  /** Orgs with a directory connection (the reconcile fan-out). */
  connectedOrgs(): Promise<string[]>;
}

export function firestoreProvisioningSettings(db: Firestore): ProvisioningSettingsRepository {
  const org = (orgId: string) => db.doc(`orgs/${orgId}`);
  return {
    async get(orgId) {
      return parseField(ProvisioningSettings, await org(orgId).get(), "provisioning");
    },
    async save(orgId, input) {
      const settings = ProvisioningSettings.parse(input);
      // A field-level merge: other capabilities keep their own fields on the org document.
      await org(orgId).set({ provisioning: settings }, { merge: true });
      return settings;
    },
    async connection(orgId) {
      return parseField(DirectoryConnectionSchema, await org(orgId).get(), "directoryConnection");
    },
    async saveConnection(orgId, connection) {
      await org(orgId).set(
        { directoryConnection: DirectoryConnectionSchema.parse(connection), directoryConnected: true },
        { merge: true },
      );
    },
    async connectedOrgs() {
      const snap = await db.collection("orgs").where("directoryConnected", "==", true).select().get();
      return snap.docs.map((d) => d.id);
    },
  };
}
