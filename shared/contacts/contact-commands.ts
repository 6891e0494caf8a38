// What the API does to contacts: create (linking to an existing contact with the same number or
// email instead of duplicating it), edit with an etag precondition, delete (a tombstone), and the
// caller-ID choice. Each is one document write; the push to Google follows through Pub/Sub.
import { randomUUID } from "node:crypto";
import { AppError } from "../platform/errors";
import {
  type ContactFields,
  type ContactInput,
  hasContent,
  LIMITS,
  normaliseFields,
  type RawFields,
} from "./contact-model";
import type { ContactRepository, StoredContact } from "./contact-repository";
import { withIndexes } from "./contact-repository";
import { mergeContact } from "./merge";
import { newContact, tombstone } from "./sync-rules";

export const etagOf = (c: Pick<StoredContact, "version">): string => `"v${c.version}"`;

const rawOf = (f: ContactFields): RawFields => f;

/** A PATCH replaces the fields it names and keeps the others. */
export function patchedFields(current: ContactFields, input: ContactInput, region: string): ContactFields {
  return normaliseFields(
    {
      givenName: input.givenName ?? current.givenName,
      familyName: input.familyName ?? current.familyName,
      phones: input.phones ?? rawOf(current).phones,
      emails: input.emails ?? rawOf(current).emails,
    },
    region,
  );
}

function requireContent(fields: ContactFields) {
  if (!hasContent(fields))
    throw new AppError("validation_failed", "A contact needs a name, a phone number or an email", {
      details: { issues: [{ path: "givenName", message: "required when there are no phones or emails" }] },
    });
}

export async function createContact(
  repo: ContactRepository,
  input: ContactInput,
  region: string,
  now: Date,
): Promise<{ contact: StoredContact; linked: boolean }> {
  const fields = normaliseFields(input, region);
  requireContent(fields);
  const [existing] = await repo.findLiveByKeys(fields);
  if (existing) {
    // Same number or email as a contact we have: link (merge into it) rather than duplicate.
    const merged = await repo.mutate(existing.id, (current) => {
      if (!current || current.deleted) return undefined;
      const next = mergeContact(
        null,
        { fields: current.fields, editedAt: 0 },
        { fields, editedAt: 1 },
      ).fields;
      const nameFirst = {
        ...next,
        givenName: current.fields.givenName || fields.givenName,
        familyName: current.fields.familyName || fields.familyName,
      };
      return withIndexes({
        ...current,
        fields: nameFirst,
        version: current.version + 1,
        editedAt: now.getTime(),
        updatedAt: now,
        pendingPush: true,
      });
    });
    if (merged && !merged.deleted) return { contact: merged, linked: true };
  }
  if ((await repo.countLive("personal")) >= LIMITS.contactsPerUser) {
    throw new AppError("conflict", `A user can have at most ${LIMITS.contactsPerUser} personal contacts`);
  }
  const contact = newContact(`c-${randomUUID()}`, "personal", fields, now, null);
  await repo.mutate(contact.id, () => contact);
  return { contact, linked: false };
}

function checkWritable(
  current: StoredContact | undefined,
  id: string,
  ifMatch: string | undefined,
): StoredContact {
  if (!current || current.deleted) throw new AppError("not_found", `No contact ${id}`);
  if (current.kind === "company")
    throw new AppError("forbidden", "Company contacts come from the directory and are read-only");
  if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== etagOf(current)) {
    throw new AppError("precondition_failed", "The contact changed since you read it; read it again", {
      details: { etag: etagOf(current) },
    });
  }
  return current;
}

export async function updateContact(
  repo: ContactRepository,
  id: string,
  input: ContactInput,
  ifMatch: string | undefined,
  region: string,
  now: Date,
): Promise<StoredContact> {
  const updated = await repo.mutate(id, (stored) => {
    const current = checkWritable(stored, id, ifMatch);
    const fields = patchedFields(current.fields, input, region);
    requireContent(fields);
    return withIndexes({
      ...current,
      fields,
      version: current.version + 1,
      editedAt: now.getTime(),
      updatedAt: now,
      pendingPush: true,
    });
  });
  if (!updated) throw new AppError("not_found", `No contact ${id}`);
  return updated;
}

export async function deleteContact(
  repo: ContactRepository,
  id: string,
  ifMatch: string | undefined,
  now: Date,
): Promise<void> {
  await repo.mutate(id, (stored) => {
    const current = checkWritable(stored, id, ifMatch);
    // Google hears of the delete only if it ever knew the contact (or a create may be in flight: the
    // push records the link and then sees the tombstone).
    return tombstone(current, now, true);
  });
}

/** Caller-ID: personal contacts before company ones, then the most recently changed. */
export function bestMatch(candidates: StoredContact[]): StoredContact | undefined {
  return [...candidates].sort(
    (a, b) =>
      Number(a.kind === "company") - Number(b.kind === "company") ||
      b.updatedAt.getTime() - a.updatedAt.getTime(),
  )[0];
}
