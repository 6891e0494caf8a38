// One rule for every identifier that arrives from outside (path parameters, id-valued query parameters,
// webhook channel headers), checked before any I/O: an id Firestore cannot store as a document id (".",
// "..", "__name__"-style reserved ids, a "/", over 1,500 bytes) or one with control characters is refused
// here with a 400 naming the field, instead of reaching the store and failing as a 500.
// Firestore's limits: https://firebase.google.com/docs/firestore/quotas#collections_documents_and_fields
import { AppError } from "./errors";

/** Longer than any id Switchboard or Google issues, far under Firestore's 1,500-byte limit. */
export const MAX_IDENTIFIER_LENGTH = 256;

/** Why `value` is not a usable identifier, or undefined when it is one. */
export function identifierProblem(value: string): string | undefined {
  if (value.length === 0) return "is empty";
  if (value.length > MAX_IDENTIFIER_LENGTH) return `is longer than ${MAX_IDENTIFIER_LENGTH} characters`;
  if (value === "." || value === "..") return "is a reserved name";
  if (/^__.*__$/.test(value)) return "has the form __x__, which the store reserves";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[/\u0000-\u001f\u007f]/.test(value)) return "contains a slash or a control character";
  if (/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")))
    return "contains a broken surrogate pair";
  return undefined;
}

export const isIdentifier = (value: string): boolean => identifierProblem(value) === undefined;

/** The value, or a 400 `invalid_identifier` naming the field. */
export function checkIdentifier(field: string, value: string): string {
  const problem = identifierProblem(value);
  if (problem) throw new AppError("invalid_identifier", `${field} ${problem}`, { details: { field } });
  return value;
}
