// node-saml's cache of issued AuthnRequest ids, in Firestore with a TTL, so the instance that receives
// the ACS post need not be the one that started the login. Removing an id on use makes it single-use.
import { createHash } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { CacheItem, CacheProvider } from "@node-saml/passport-saml";
import { expireAfter } from "../platform/firestore";

export const SAML_REQUEST_TTL_MS = 10 * 60 * 1000;
const docId = (key: string) => createHash("sha256").update(key).digest("hex");

export function firestoreSamlRequestCache(db: Firestore, now: () => Date = () => new Date()): CacheProvider {
  const ref = (key: string) => db.collection("samlRequests").doc(docId(key));
  return {
    async saveAsync(key, value): Promise<CacheItem | null> {
      const createdAt = now();
      await ref(key).set({ value, createdAt, expireAt: expireAfter(SAML_REQUEST_TTL_MS, createdAt) });
      return { value, createdAt: createdAt.getTime() };
    },
    async getAsync(key) {
      const snap = await ref(key).get();
      const expireAt = snap.get("expireAt") as FirebaseFirestore.Timestamp | undefined;
      // The TTL policy deletes lazily (within a day), so expiry is checked here too.
      if (!snap.exists || !expireAt || expireAt.toMillis() <= now().getTime()) return null;
      return snap.get("value") as string;
    },
    async removeAsync(key) {
      if (key === null) return null;
      await ref(key).delete();
      return key;
    },
  };
}
