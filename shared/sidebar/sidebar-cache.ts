// The sidebar's short-lived cache: one Firestore document per user and contact email, holding each
// source's last good answer and when it was fetched. Read once per opening; written per source on
// success. Disconnecting an integration deletes that source's data from every document of the user,
// and bumps the source's generation so that a fetch still in flight (a timed-out one, a background
// refresh) cannot write the data back afterwards.
import { createHash } from "node:crypto";
import { type DocumentData, FieldValue, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { expireAfter } from "../platform/firestore";
import type { Source } from "./sections";

/** Cached documents outlive their freshness only to serve stale-while-revalidate; TTL deletes them. */
export const CACHE_TTL_MS = 24 * 3600_000;

const CachedSection = z.object({
  data: z.object({ items: z.array(z.unknown()), viewAllUrl: z.string() }).passthrough(),
  /** Epoch ms. */
  fetchedAt: z.number(),
});
export type CachedSection = z.infer<typeof CachedSection>;
const CacheDoc = z.object({
  email: z.string(),
  sections: z
    .object({
      gmail: CachedSection.optional(),
      drive: CachedSection.optional(),
      calendar: CachedSection.optional(),
    })
    .default({}),
});

export type CachedSections = { [S in Source]?: CachedSection | undefined };

type CacheUser = { orgId: string; userId: string };

export interface SidebarCache {
  read(user: CacheUser, email: string): Promise<CachedSections>;
  /** Read when a fetch starts; the write is dropped if the source was forgotten since. */
  generation(user: CacheUser, source: Source): Promise<number>;
  /** False when the source was forgotten after `generation` was read: nothing written. */
  write(
    user: CacheUser,
    email: string,
    source: Source,
    section: CachedSection,
    generation: number,
  ): Promise<boolean>;
  /** Deletes one source's cached data for every contact of the user (and bumps its generation). */
  forget(user: CacheUser, source: Source): Promise<void>;
  /** Deletes one source's cached data for one contact (Google says the source is not connected). */
  drop(user: CacheUser, email: string, source: Source): Promise<void>;
}

export const SIDEBAR_CACHE = "sidebarCache";
/** orgs/{org}/users/{user}/sidebarCacheState/generations: `{ gmail?: n, drive?: n, calendar?: n }`. */
export const SIDEBAR_CACHE_STATE = "sidebarCacheState";
const keyOf = (email: string) =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 40);
const collectionOf = (db: Firestore, u: CacheUser) =>
  db.collection(`orgs/${u.orgId}/users/${u.userId}/${SIDEBAR_CACHE}`);
const generationsOf = (db: Firestore, u: CacheUser) =>
  db.doc(`orgs/${u.orgId}/users/${u.userId}/${SIDEBAR_CACHE_STATE}/generations`);
const generationIn = (data: DocumentData | undefined, source: Source): number => {
  const value = data?.[source];
  return typeof value === "number" ? value : 0;
};

export function firestoreSidebarCache(
  db: () => Firestore,
  clock: () => Date = () => new Date(),
): SidebarCache {
  return {
    async read(user, email) {
      const snap = await collectionOf(db(), user).doc(keyOf(email)).get();
      if (!snap.exists) return {};
      const parsed = CacheDoc.safeParse(snap.data());
      // A malformed cache entry is only a cache miss.
      return parsed.success ? parsed.data.sections : {};
    },
    async generation(user, source) {
      return generationIn((await generationsOf(db(), user).get()).data(), source);
    },
    async write(user, email, source, section, generation) {
      // The generation read and the write commit together: a forget either lands before (the write
      // sees the new generation and drops out) or after (and deletes what was written).
      return db().runTransaction(async (tx) => {
        const current = generationIn((await tx.get(generationsOf(db(), user))).data(), source);
        if (current !== generation) return false;
        tx.set(
          collectionOf(db(), user).doc(keyOf(email)),
          {
            email: email.toLowerCase(),
            sections: { [source]: section },
            expireAt: expireAfter(CACHE_TTL_MS, clock()),
          },
          { merge: true },
        );
        return true;
      });
    },
    async forget(user, source) {
      await generationsOf(db(), user).set({ [source]: FieldValue.increment(1) }, { merge: true });
      const docs = await collectionOf(db(), user).get();
      // One transaction per contact: several sources forgotten at once (offboarding) must not each keep
      // the document alive for the others; the last section out deletes it.
      await Promise.all(
        docs.docs.map((d) =>
          db().runTransaction(async (tx) => {
            const current = await tx.get(d.ref);
            if (!current.exists) return;
            const sections = (current.get("sections") as Record<string, unknown> | undefined) ?? {};
            if (Object.keys(sections).every((s) => s === source)) tx.delete(d.ref);
            else tx.update(d.ref, { [`sections.${source}`]: FieldValue.delete() });
          }),
        ),
      );
    },
    async drop(user, email, source) {
      const ref = collectionOf(db(), user).doc(keyOf(email));
      // update() rather than set(): dropping from a document that is gone must not recreate it.
      await ref.update({ [`sections.${source}`]: FieldValue.delete() }).catch((error) => {
        if ((error as { code?: number }).code !== 5) throw error; // 5 NOT_FOUND
      });
    },
  };
}
