// The queries other capabilities ask of contacts, narrower than the repository they sit on.
import type { Firestore } from "@google-cloud/firestore";
import { firestoreContactRepository } from "./contact-repository";

/** A contact's email addresses (undefined when the contact does not exist or was deleted). */
export type ContactEmailsQuery = (
  user: { orgId: string; userId: string },
  contactId: string,
) => Promise<string[] | undefined>;

export function contactEmailsQuery(db: () => Firestore): ContactEmailsQuery {
  return async (user, contactId) => {
    const contact = await firestoreContactRepository(db(), user).get(contactId);
    if (!contact || contact.deleted) return undefined;
    return contact.fields.emails.map((e) => e.value);
  };
}
