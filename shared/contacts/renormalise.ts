// Re-normalising one user's stored numbers after the org's default region changed: every number is
// re-read as typed with the new region, so "020 7946 0321" saved while the org was US gets its +44 form
// and caller-ID finds it. Nothing is pushed to Google: the Google link's base is re-read the same way,
// so a contact that agreed with Google still does. The run is idempotent (the result depends only on the
// typed values and the region) and resumable: a checkpoint at
// orgs/{org}/users/{user}/cursors/phone-region records the region and the last contact id done, so a
// redelivery after a crash goes on from there, and a run for an older region starts again.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { parseDocument, StoredDate } from "../platform/firestore";
import type { Logger } from "../platform/logger";
import { type ContactFields, contactFieldsHash, type Phone } from "./contact-model";
import { type ContactRepository, type StoredContact, withIndexes } from "./contact-repository";
import { toE164 } from "./phone-rules";

const Checkpoint = z.object({
  region: z.string(),
  /** The last contact id re-normalised; null before the first page. */
  after: z.string().nullable(),
  done: z.boolean(),
  updatedAt: StoredDate,
});

export const RENORMALISE_PAGE = 300;

type User = { orgId: string; userId: string };

export const regionCheckpointRef = (db: Firestore, user: User) =>
  db.doc(`orgs/${user.orgId}/users/${user.userId}/cursors/phone-region`);

function renormalisedPhones(phones: Phone[], region: string): Phone[] | undefined {
  let changed = false;
  const next = phones.map((p) => {
    const e164 = toE164(p.value, region);
    if (e164 === p.e164) return p;
    changed = true;
    return { ...p, e164 };
  });
  return changed ? next : undefined;
}

const withPhones = (f: ContactFields, phones: Phone[] | undefined): ContactFields =>
  phones ? { ...f, phones } : f;

/** The contact with its numbers read in `region`, or undefined when nothing changes. */
export function renormalisedContact(c: StoredContact, region: string, now: Date): StoredContact | undefined {
  const phones = renormalisedPhones(c.fields.phones, region);
  const basePhones = c.google ? renormalisedPhones(c.google.base.phones, region) : undefined;
  if (!phones && !basePhones) return undefined;
  const google =
    c.google && basePhones
      ? {
          ...c.google,
          base: withPhones(c.google.base, basePhones),
          baseHash: contactFieldsHash(withPhones(c.google.base, basePhones)),
        }
      : c.google;
  return withIndexes({
    id: c.id,
    kind: c.kind,
    fields: withPhones(c.fields, phones),
    deleted: c.deleted,
    deletedAt: c.deletedAt,
    // The API shows the new E.164 form, so the representation (and its etag) changes; `editedAt` does
    // not: this is no edit, and the sync's conflict rule must not see one.
    version: phones ? c.version + 1 : c.version,
    editedAt: c.editedAt,
    updatedAt: phones ? now : c.updatedAt,
    google,
    pendingPush: c.pendingPush,
  });
}

export interface RenormaliseReport {
  /** false: this user's numbers were already read in this region (nothing read but the checkpoint). */
  ran: boolean;
  checked: number;
  changed: number;
}

/**
 * Brings one user's contacts to `region`. `regionChangedAt` is when the org last changed region (null:
 * never, so every number was normalised with the current one and there is nothing to do).
 */
export async function renormaliseUserContacts(
  deps: { db: Firestore; repo: ContactRepository; clock: () => Date; log: Logger; pageSize?: number },
  user: User,
  org: { region: string; regionChangedAt: Date | null },
): Promise<RenormaliseReport> {
  if (!org.regionChangedAt) return { ran: false, checked: 0, changed: 0 };
  const ref = regionCheckpointRef(deps.db, user);
  const state = parseDocument(Checkpoint, await ref.get());
  if (state?.region === org.region && state.done) return { ran: false, checked: 0, changed: 0 };
  let after = state?.region === org.region ? state.after : null;
  if (after) deps.log.info("contacts.renormalise_resumed", { region: org.region, after });
  const pageSize = deps.pageSize ?? RENORMALISE_PAGE;
  let checked = 0;
  let changed = 0;
  for (;;) {
    const page = await deps.repo.pageById(after, pageSize);
    for (const c of page) {
      checked++;
      if (!renormalisedContact(c, org.region, deps.clock())) continue;
      // Re-read in a transaction: an edit or a sync since the page was read is re-normalised, not lost.
      await deps.repo.mutate(c.id, (current) =>
        current ? renormalisedContact(current, org.region, deps.clock()) : undefined,
      );
      changed++;
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) break;
    after = last.id;
    await ref.set({ region: org.region, after, done: false, updatedAt: deps.clock() });
  }
  await ref.set({ region: org.region, after: null, done: true, updatedAt: deps.clock() });
  deps.log.info("contacts.renormalised", { region: org.region, checked, changed });
  return { ran: true, checked, changed };
}
