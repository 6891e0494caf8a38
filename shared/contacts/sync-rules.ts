// The sync engine's decisions (pure): what a person from Google does to the stored contact, what a
// successful push records, and what a tombstone looks like. No I/O: the use case reads, asks, writes.
import type { GooglePerson } from "../google/people-api";
import { type ContactFields, type ContactKind, contactFieldsHash, normaliseFields } from "./contact-model";
import { type GoogleLink, localHash, type StoredContact, withIndexes } from "./contact-repository";
import { mergeContact } from "./merge";

/** Ids of contacts that came from Google derive from the resource name: a retry writes the same doc. */
export const contactIdFor = (resourceName: string, kind: ContactKind): string =>
  `${kind === "company" ? "d" : "g"}-${resourceName.replace(/^people\//, "").replace(/[^\w-]/g, "_")}`;

export function linkOf(person: GooglePerson, region: string): GoogleLink {
  const base = normaliseFields(person, region);
  return {
    resourceName: person.resourceName,
    etag: person.etag,
    updatedAt: person.updatedAt,
    base,
    baseHash: contactFieldsHash(base),
  };
}

export function newContact(
  id: string,
  kind: ContactKind,
  fields: ContactFields,
  now: Date,
  google: GoogleLink | null,
): StoredContact {
  return withIndexes({
    id,
    kind,
    fields,
    deleted: false,
    deletedAt: null,
    version: 1,
    editedAt: google ? 0 : now.getTime(),
    updatedAt: now,
    google,
    pendingPush: kind === "personal" && google === null,
  });
}

/** A delete on either side wins over any edit; `pendingPush` says whether Google still has to hear of it. */
export function tombstone(c: StoredContact, now: Date, pendingPush: boolean): StoredContact {
  return withIndexes({
    ...c,
    deleted: true,
    deletedAt: c.deletedAt ?? now,
    version: c.version + 1,
    updatedAt: now,
    pendingPush,
  });
}

/**
 * A copy older than the version we hold (by the contact source's update time): what a lagging read
 * answers right after a write. It must never replace the etag and fields our own update returned.
 */
export const isOlderCopy = (person: GooglePerson, known: { updatedAt: number }): boolean =>
  person.updatedAt > 0 && person.updatedAt < known.updatedAt;

export type Outcome = "created" | "updated" | "deleted" | "linked" | "unchanged" | "kept_deleted";

/**
 * What one person from Google does to the contact it maps to (by resource name, or an unlinked local
 * contact it duplicates). Returns the next state, or undefined when nothing needs writing.
 */
export function applyGooglePerson(
  local: StoredContact | undefined,
  person: GooglePerson,
  ctx: { region: string; now: Date; kind: ContactKind },
): { next: StoredContact | undefined; outcome: Outcome; conflicts: number } {
  const unchanged = { next: undefined, outcome: "unchanged" as const, conflicts: 0 };
  if (person.deleted) {
    if (!local || local.deleted) return unchanged;
    return { next: tombstone(local, ctx.now, false), outcome: "deleted", conflicts: 0 };
  }
  const link = linkOf(person, ctx.region);
  if (!local) {
    const id = contactIdFor(person.resourceName, ctx.kind);
    return { next: newContact(id, ctx.kind, link.base, ctx.now, link), outcome: "created", conflicts: 0 };
  }
  const linked = local.google?.resourceName === person.resourceName;
  if (linked && local.google && isOlderCopy(person, local.google)) return unchanged;
  if (local.deleted) {
    // Our delete wins over Google's copy (stale, or our delete is not out yet): make sure it goes out.
    if (local.pendingPush && linked && local.google?.etag === person.etag)
      return { ...unchanged, outcome: "kept_deleted" };
    return {
      next: {
        ...local,
        google: local.google ? { ...local.google, etag: person.etag } : link,
        pendingPush: true,
      },
      outcome: "kept_deleted",
      conflicts: 0,
    };
  }
  if (linked && local.google && link.baseHash === local.google.baseHash) {
    // An echo of what we wrote, or a change outside the synced fields: only the etag moves.
    if (local.google.etag === person.etag) return unchanged;
    return {
      next: { ...local, google: { ...local.google, etag: person.etag, updatedAt: person.updatedAt } },
      outcome: "unchanged",
      conflicts: 0,
    };
  }
  const localChanged = !linked || !local.google || localHash(local) !== local.google.baseHash;
  let fields = link.base;
  let conflicts = 0;
  if (localChanged) {
    const merged = mergeContact(
      linked && local.google ? local.google.base : null,
      { fields: local.fields, editedAt: local.editedAt },
      { fields: link.base, editedAt: person.updatedAt },
    );
    fields = merged.fields;
    conflicts = merged.conflicts.length;
  }
  const changed = contactFieldsHash(fields) !== localHash(local);
  const next = withIndexes({
    ...local,
    fields,
    version: changed ? local.version + 1 : local.version,
    updatedAt: ctx.now,
    google: link,
    // Company contacts are read-only here: Google's side always stands.
    pendingPush: ctx.kind === "personal" && contactFieldsHash(fields) !== link.baseHash,
  });
  return { next, outcome: linked ? "updated" : "linked", conflicts };
}

/** After Google accepted our create or update: link to what it stored; still pending if edited meanwhile. */
export function afterPush(current: StoredContact, person: GooglePerson, region: string): StoredContact {
  const link = linkOf(person, region);
  return withIndexes({
    ...current,
    google: link,
    pendingPush: current.deleted || localHash(current) !== link.baseHash,
  });
}
