// Firestore plumbing: one lazily created client per process, and converters that validate every
// document on read, so a malformed document fails loudly at the boundary instead of deep in a use case.
import {
  type DocumentData,
  Firestore,
  type FirestoreDataConverter,
  type QueryDocumentSnapshot,
} from "@google-cloud/firestore";
import type { z } from "zod";

let client: Firestore | undefined;
/** The process's Firestore client (FIRESTORE_EMULATOR_HOST is honoured by the client itself). */
export const firestore = (projectId?: string): Firestore => {
  const project = projectId ?? process.env.GOOGLE_CLOUD_PROJECT;
  client ??= new Firestore({ ...(project ? { projectId: project } : {}), ignoreUndefinedProperties: true });
  return client;
};

export function converter<T extends DocumentData>(schema: z.ZodType<T>): FirestoreDataConverter<T> {
  return {
    toFirestore: (value) => schema.parse(value) as DocumentData,
    fromFirestore: (snapshot: QueryDocumentSnapshot) => {
      const result = schema.safeParse(snapshot.data());
      if (!result.success) {
        throw new Error(
          `Document ${snapshot.ref.path} is malformed: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      }
      return result.data;
    },
  };
}

/** gRPC status ALREADY_EXISTS, as Firestore reports a create() of an existing document. */
export const isAlreadyExists = (error: unknown): boolean => (error as { code?: number } | null)?.code === 6;

/** An expiry date for short-lived records; a Firestore TTL policy on `expireAt` deletes them. */
export const expireAfter = (ms: number, now = new Date()): Date => new Date(now.getTime() + ms);
