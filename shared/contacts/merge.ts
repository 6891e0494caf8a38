// Three-way, field-level merge (pure) of a contact against the last state both sides agreed on (the
// base). THE RULE:
//   1. A field changed on one side only takes that side's value.
//   2. Phones and emails are sets keyed by normalised value (E.164 / lower-cased email): an entry
//      added on either side is added; an entry removed on either side is removed. Only an entry's
//      type label can conflict.
//   3. A real conflict (the name, or one entry's label, changed differently on both sides) goes to
//      the side edited last: Google's source `updateTime` against our `updatedAt`. On a tie Google
//      wins, so every replica computes the same answer.
//   4. Deletes are decided outside this file: a delete on either side beats any edit (tombstones).
import { type ContactFields, EMPTY_FIELDS, type Email, emailKeyOf, type Phone } from "./contact-model";
import { phoneKeyOf } from "./phone-rules";

export interface MergeSide {
  fields: ContactFields;
  /** Epoch ms of the side's last edit. */
  editedAt: number;
}

export interface MergeResult {
  fields: ContactFields;
  /** Fields where both sides changed differently, with the winner. */
  conflicts: Array<{ field: string; winner: "local" | "google" }>;
}

type Winner = "local" | "google";

const sameName = (a: ContactFields, b: ContactFields) =>
  a.givenName === b.givenName && a.familyName === b.familyName;

/** Merges `local` and `google` against `base` (null when the two were never synced: an empty base). */
export function mergeContact(base: ContactFields | null, local: MergeSide, google: MergeSide): MergeResult {
  const b = base ?? EMPTY_FIELDS;
  const conflicts: MergeResult["conflicts"] = [];
  const lastEditor: Winner = local.editedAt > google.editedAt ? "local" : "google";
  const pick = <T>(field: string, baseV: T, localV: T, googleV: T, same: (x: T, y: T) => boolean): T => {
    if (same(localV, baseV)) return googleV;
    if (same(googleV, baseV) || same(localV, googleV)) return localV;
    conflicts.push({ field, winner: lastEditor });
    return lastEditor === "local" ? localV : googleV;
  };

  const nameSide = pick("name", b, local.fields, google.fields, sameName);
  const phones = mergeSet<Phone>(
    "phones",
    b.phones,
    local.fields.phones,
    google.fields.phones,
    phoneKeyOf,
    pick,
  );
  const emails = mergeSet<Email>(
    "emails",
    b.emails,
    local.fields.emails,
    google.fields.emails,
    emailKeyOf,
    pick,
  );
  return {
    fields: { givenName: nameSide.givenName, familyName: nameSide.familyName, phones, emails },
    conflicts,
  };
}

type Pick3 = <T>(field: string, b: T, l: T, g: T, same: (x: T, y: T) => boolean) => T;

function mergeSet<T extends { type: string }>(
  field: string,
  base: T[],
  local: T[],
  google: T[],
  keyOf: (v: T) => string,
  pick: Pick3,
): T[] {
  const index = (list: T[]) => new Map(list.map((v) => [keyOf(v), v]));
  const [b, l, g] = [index(base), index(local), index(google)];
  // Order: local's order, then what only Google has (stable, so repeated merges are idempotent).
  const keys = [...new Set([...l.keys(), ...g.keys(), ...b.keys()])];
  const out: T[] = [];
  for (const key of keys) {
    const [inB, inL, inG] = [b.get(key), l.get(key), g.get(key)];
    if (inB) {
      // Removed on either side: removed (an untouched side keeps the base copy, so a missing one is a removal).
      if (!inL || !inG) continue;
      out.push(pick(`${field}[${key}]`, inB, inL, inG, (x, y) => x.type === y.type));
    } else if (inL && inG) {
      out.push(pick(`${field}[${key}]`, { ...inL, type: "\u0000" }, inL, inG, (x, y) => x.type === y.type));
    } else if (inL ?? inG) {
      out.push((inL ?? inG) as T);
    }
  }
  return out;
}
