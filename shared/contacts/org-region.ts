// The org's default phone region (ISO 3166 alpha-2) for numbers typed without a country code:
// orgs/{org}.defaultRegion, set by the org's admin; US when unset. orgs/{org}.regionChangedAt is when
// the admin last changed it (shared/contacts/renormalise.ts re-reads stored numbers after that).
import type { Firestore } from "@google-cloud/firestore";
import { isRegion } from "./phone-rules";

export const FALLBACK_REGION = "US";

/** The org's region and when it last changed (null: never, so stored numbers are already in it). */
export async function orgRegionState(
  db: Firestore,
  orgId: string,
): Promise<{ region: string; regionChangedAt: Date | null }> {
  const snap = await db.doc(`orgs/${orgId}`).get();
  const region = snap.get("defaultRegion");
  const changedAt = snap.get("regionChangedAt") as { toDate?: () => Date } | undefined;
  return {
    region:
      typeof region === "string" && isRegion(region.toUpperCase()) ? region.toUpperCase() : FALLBACK_REGION,
    regionChangedAt: typeof changedAt?.toDate === "function" ? changedAt.toDate() : null,
  };
}

export async function orgDefaultRegion(db: Firestore, orgId: string): Promise<string> {
  return (await orgRegionState(db, orgId)).region;
}
