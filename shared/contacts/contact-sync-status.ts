// Contact sync's part of GET /v1/integrations (what disconnecting stops is in contact-sync-teardown.ts).
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { CursorSchema } from "./contact-repository";

/** What the API says of a person's contact sync (GET /v1/integrations, POST /v1/contacts/sync). */
export const ContactSyncStatusSchema = z.object({
  state: z.enum(["never_synced", "ok", "error", "full_sync_in_progress"]),
  lastSyncAt: z.iso.datetime().nullable(),
  lastFullSyncAt: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.iso.datetime().nullable(),
});

export type ContactSyncStatus = z.infer<typeof ContactSyncStatusSchema>;

export function contactSyncStatus(db: () => Firestore) {
  return async (user: { orgId: string; userId: string }): Promise<ContactSyncStatus> => {
    const snap = await db().doc(`orgs/${user.orgId}/users/${user.userId}/cursors/contacts`).get();
    const parsed = snap.exists ? CursorSchema.safeParse(snap.data()) : undefined;
    const c = parsed?.success ? parsed.data : undefined;
    const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
    const errorIsLatest = Boolean(c?.lastErrorAt && (!c.lastSyncAt || c.lastErrorAt > c.lastSyncAt));
    return {
      state: !c
        ? "never_synced"
        : errorIsLatest
          ? "error"
          : c.fullSyncId
            ? "full_sync_in_progress"
            : c.lastSyncAt
              ? "ok"
              : "never_synced",
      lastSyncAt: iso(c?.lastSyncAt),
      lastFullSyncAt: iso(c?.lastFullSyncAt),
      lastError: c?.lastError ?? null,
      lastErrorAt: iso(c?.lastErrorAt),
    };
  };
}
