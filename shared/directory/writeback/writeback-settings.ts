// An org's write-back switch, on orgs/{org} as `directoryWriteBack`. Numbers flow back whenever it is
// on; names and department only when the admin also opts in (Google stays their source of truth).
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { parseField } from "../../platform/firestore";

export const WriteBackSettings = z.object({
  enabled: z.boolean(),
  names: z.boolean().default(false),
  department: z.boolean().default(false),
});
export type WriteBackSettings = z.infer<typeof WriteBackSettings>;
export type WriteBackSettingsInput = z.input<typeof WriteBackSettings>;

export const WRITE_BACK_OFF: WriteBackSettings = { enabled: false, names: false, department: false };

/** Whether Google lets Switchboard write, as the worker last found out (the api holds no Google keys). */
export const WriteBackAccess = z.object({
  state: z.enum(["checking", "ready", "needs_permission"]),
  reason: z.string().nullable(),
  at: z.string(),
});
export type WriteBackAccess = z.infer<typeof WriteBackAccess>;

export interface WriteBackSettingsRepository {
  get(orgId: string): Promise<WriteBackSettings>;
  save(orgId: string, settings: WriteBackSettingsInput): Promise<WriteBackSettings>;
  access(orgId: string): Promise<WriteBackAccess | null>;
  /** Written only when the state or reason changes. */
  saveAccess(orgId: string, access: WriteBackAccess): Promise<void>;
}

export function firestoreWriteBackSettings(db: Firestore): WriteBackSettingsRepository {
  const org = (orgId: string) => db.doc(`orgs/${orgId}`);
  return {
    async get(orgId) {
      return parseField(WriteBackSettings, await org(orgId).get(), "directoryWriteBack") ?? WRITE_BACK_OFF;
    },
    async save(orgId, input) {
      const settings = WriteBackSettings.parse(input);
      // A field-level merge: the org document is shared by every capability.
      await org(orgId).set({ directoryWriteBack: settings }, { merge: true });
      return settings;
    },
    async access(orgId) {
      return parseField(WriteBackAccess, await org(orgId).get(), "directoryWriteBackAccess") ?? null;
    },
    async saveAccess(orgId, access) {
      const current = await this.access(orgId);
      if (current?.state === access.state && current.reason === access.reason) return;
      await org(orgId).set({ directoryWriteBackAccess: access }, { merge: true });
    },
  };
}
