// node-saml's cache of issued AuthnRequest ids, in Firestore with a TTL, so the instance that receives
// the ACS post need not be the one that started the login. Removing an id on use makes it single-use.
import { createHash } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import type { CacheItem, CacheProvider } from "@node-saml/passport-saml";
import { z } from "zod";
import { expireAfter, StoredDate } from "../platform/firestore";

export const SAML_REQUEST_TTL_MS = 10 * 60 * 1000;
const SamlRequest = z.object({ value: z.string(), expireAt: StoredDate });
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
      // A malformed record is an unknown request (node-saml refuses the response): it cannot be matched.
      const request = SamlRequest.safeParse((await ref(key).get()).data());
      // The TTL policy deletes lazily (within a day), so expiry is checked here too.
      if (!request.success || request.data.expireAt.getTime() <= now().getTime()) return null;
      return request.data.value;
    },
    async removeAsync(key) {
      if (key === null) return null;
      await ref(key).delete();
      return key;
    },
  };
}
