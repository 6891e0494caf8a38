// The org's dial-in numbers (orgs/{org}/settings/meetingDialIn), set by an admin, read when meeting
// details are written into an event.
import type { Firestore } from "@google-cloud/firestore";
import { malformedDocument } from "../platform/firestore";
import { DialInSettings } from "./dial-in";

export interface DialInRepository {
  get(orgId: string): Promise<DialInSettings>;
  put(orgId: string, settings: DialInSettings, by: string): Promise<void>;
}

export const dialInPath = (orgId: string) => `orgs/${orgId}/settings/meetingDialIn`;

export function firestoreDialInRepository(
  db: () => Firestore,
  clock: () => Date = () => new Date(),
): DialInRepository {
  return {
    async get(orgId) {
      const snap = await db().doc(dialInPath(orgId)).get();
      const parsed = DialInSettings.safeParse({ numbers: snap.data()?.numbers ?? [] });
      if (!parsed.success) throw malformedDocument(dialInPath(orgId), parsed.error);
      return parsed.data;
    },
    async put(orgId, settings, by) {
      await db().doc(dialInPath(orgId)).set({ numbers: settings.numbers, updatedAt: clock(), updatedBy: by });
    },
  };
}
