// The sidebar's short-lived cache: one Firestore document per user and contact email, holding each
// source's last good answer and when it was fetched. Read once per opening; written per source on
// success. Disconnecting an integration deletes that source's data from every document of the user.
import { createHash } from "node:crypto";
import { FieldValue, type Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import type { IntegrationTeardown } from "../identity/integration-teardown";
import { expireAfter } from "../platform/firestore";
import { SOURCES, type Source } from "./sections";

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

export interface SidebarCache {
  read(user: { orgId: string; userId: string }, email: string): Promise<CachedSections>;
  write(
    user: { orgId: string; userId: string },
    email: string,
    source: Source,
    section: CachedSection,
  ): Promise<void>;
  /** Deletes one source's cached data for every contact of the user. */
  forget(user: { orgId: string; userId: string }, source: Source): Promise<void>;
}

export const SIDEBAR_CACHE = "sidebarCache";
const keyOf = (email: string) =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 40);
const collectionOf = (db: Firestore, u: { orgId: string; userId: string }) =>
  db.collection(`orgs/${u.orgId}/users/${u.userId}/${SIDEBAR_CACHE}`);

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
    async write(user, email, source, section) {
      await collectionOf(db(), user)
        .doc(keyOf(email))
        .set(
          {
            email: email.toLowerCase(),
            sections: { [source]: section },
            expireAt: expireAfter(CACHE_TTL_MS, clock()),
          },
          { merge: true },
        );
    },
    async forget(user, source) {
      const docs = await collectionOf(db(), user).get();
      await Promise.all(docs.docs.map((d) => d.ref.update({ [`sections.${source}`]: FieldValue.delete() })));
    },
  };
}

/** Disconnecting Gmail, Drive or Calendar deletes that source's cached sidebar data at once (identity runs it). */
export function sidebarCacheTeardown(cache: () => SidebarCache): IntegrationTeardown {
  return {
    name: "sidebar cache",
    integrations: [...SOURCES],
    async run({ orgId, userId, integration }) {
      const source = SOURCES.find((s) => s === integration);
      if (source) await cache().forget({ orgId, userId }, source);
    },
  };
}
