// Firestore plumbing: one lazily created client per process, and converters that validate every
// document on read, so a malformed document fails loudly at the boundary instead of deep in a use case.
import {
  type DocumentData,
  type DocumentSnapshot,
  Firestore,
  type FirestoreDataConverter,
  type QueryDocumentSnapshot,
  Timestamp,
} from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "./errors";
import type { Logger } from "./logger";

let client: Firestore | undefined;
/** The process's Firestore client (FIRESTORE_EMULATOR_HOST is honoured by the client itself). */
export const firestore = (projectId?: string): Firestore => {
  const project = projectId ?? process.env.GOOGLE_CLOUD_PROJECT;
  client ??= new Firestore({ ...(project ? { projectId: project } : {}), ignoreUndefinedProperties: true });
  return client;
};

/** A stored instant: a Timestamp as Firestore returns it, or a Date (what a converter's value holds). */
export const StoredDate = z.union([z.instanceof(Timestamp).transform((t) => t.toDate()), z.date()]);

/**
 * A stored document that fails its schema. Not retryable: reading it again fails again (a worker
 * acknowledges the message and logs it). Names the path and the fields, never the values.
 */
export const malformedDocument = (path: string, error: z.ZodError): AppError =>
  new AppError(
    "malformed_document",
    `Document ${path} is malformed: ${error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    { retryable: false },
  );

export function converter<T extends DocumentData>(schema: z.ZodType<T>): FirestoreDataConverter<T> {
  return {
    toFirestore: (value) => schema.parse(value) as DocumentData,
    fromFirestore: (snapshot: QueryDocumentSnapshot) => {
      const result = schema.safeParse(snapshot.data());
      if (!result.success) throw malformedDocument(snapshot.ref.path, result.error);
      return result.data;
    },
  };
}

/**
 * One document read without a converter (a transaction reading part of a document that others write,
 * a ref also written with merges): undefined when it does not exist, a malformed_document error when
 * it fails `schema`.
 */
export function parseDocument<S extends z.ZodType>(
  schema: S,
  snapshot: DocumentSnapshot,
): z.output<S> | undefined {
  if (!snapshot.exists) return undefined;
  const result = schema.safeParse(snapshot.data());
  if (!result.success) throw malformedDocument(snapshot.ref.path, result.error);
  return result.data;
}

/**
 * One field of a document others share (orgs/{org} holds each capability's settings): undefined when
 * the document or the field is absent, a malformed_document error when the field fails `schema`.
 */
export function parseField<S extends z.ZodType>(
  schema: S,
  snapshot: DocumentSnapshot,
  field: string,
): z.output<S> | undefined {
  const raw: unknown = snapshot.get(field);
  if (raw === undefined) return undefined;
  const result = schema.safeParse(raw);
  if (!result.success) throw malformedDocument(`${snapshot.ref.path} (${field})`, result.error);
  return result.data;
}

/**
 * The documents of a scan that pass `schema`; each one that fails is skipped with a warning, so one bad
 * document does not stop a sweep over everyone else.
 */
export function parseDocuments<S extends z.ZodType>(
  schema: S,
  snapshots: readonly DocumentSnapshot[],
  log: Logger,
): Array<{ id: string; path: string; data: z.output<S> }> {
  return snapshots.flatMap((snapshot) => {
    const result = schema.safeParse(snapshot.data());
    if (result.success) return [{ id: snapshot.id, path: snapshot.ref.path, data: result.data }];
    log.warn("firestore.document_malformed", {
      path: snapshot.ref.path,
      reason: malformedDocument(snapshot.ref.path, result.error).message,
    });
    return [];
  });
}

/** gRPC status ALREADY_EXISTS, as Firestore reports a create() of an existing document. */
export const isAlreadyExists = (error: unknown): boolean => (error as { code?: number } | null)?.code === 6;

/** An expiry date for short-lived records; a Firestore TTL policy on `expireAt` deletes them. */
export const expireAfter = (ms: number, now = new Date()): Date => new Date(now.getTime() + ms);
