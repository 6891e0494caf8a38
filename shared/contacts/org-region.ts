// The org's default phone region (ISO 3166 alpha-2) for numbers typed without a country code:
// orgs/{org}.defaultRegion, set by the org's admin; US when unset.
import type { Firestore } from "@google-cloud/firestore";
import { isRegion } from "./phone-rules";

export const FALLBACK_REGION = "US";

export async function orgDefaultRegion(db: Firestore, orgId: string): Promise<string> {
  const region = (await db.doc(`orgs/${orgId}`).get()).get("defaultRegion");
  return typeof region === "string" && isRegion(region.toUpperCase())
    ? region.toUpperCase()
    : FALLBACK_REGION;
}
