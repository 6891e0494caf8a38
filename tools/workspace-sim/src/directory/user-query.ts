// The users.list `query` language, for the clauses Switchboard uses: orgUnitPath= (matches the unit
// and everything below it), isSuspended=, isAdmin=, isArchived=, email= / email:prefix*,
// givenName/familyName/name (= exact, : prefix), and bare words (prefix of name or email).
import { invalidArgument } from "../errors";
import type { DirectoryUser } from "./directory-store";
import { normaliseOuPath } from "./directory-store";

export type UserPredicate = (u: DirectoryUser) => boolean;

const CLAUSE = /(\w+)\s*([:=])\s*('(?:[^'\\]|\\.)*'|"[^"]*"|\S+)|(\S+)/g;

export function parseUserQuery(query: string | null): UserPredicate {
  if (!query?.trim()) return () => true;
  const predicates: UserPredicate[] = [];
  for (const m of query.matchAll(CLAUSE)) {
    const [, field, op, rawValue, bare] = m;
    if (bare !== undefined) {
      const word = bare.toLowerCase().replace(/\*$/, "");
      predicates.push((u) =>
        [u.primaryEmail, u.givenName.toLowerCase(), u.familyName.toLowerCase()].some((t) =>
          t.startsWith(word),
        ),
      );
      continue;
    }
    const value = unquote(rawValue ?? "");
    predicates.push(clause(field ?? "", op ?? "=", value));
  }
  return (u) => predicates.every((p) => p(u));
}

function clause(field: string, op: string, value: string): UserPredicate {
  const lower = value.toLowerCase();
  const prefix = lower.replace(/\*$/, "");
  const text = (get: (u: DirectoryUser) => string): UserPredicate =>
    op === "=" ? (u) => get(u).toLowerCase() === lower : (u) => get(u).toLowerCase().startsWith(prefix);
  switch (field) {
    case "email":
      return text((u) => u.primaryEmail);
    case "givenName":
      return text((u) => u.givenName);
    case "familyName":
      return text((u) => u.familyName);
    case "name":
      return text((u) => `${u.givenName} ${u.familyName}`);
    case "orgUnitPath": {
      const ou = normaliseOuPath(value);
      return (u) => ou === "/" || u.orgUnitPath === ou || u.orgUnitPath.startsWith(`${ou}/`);
    }
    case "isSuspended":
      return bool(value, (u) => u.suspended);
    case "isAdmin":
      return bool(value, (u) => u.isAdmin);
    case "isArchived":
      return bool(value, (u) => u.archived);
    default:
      throw invalidArgument(`Invalid Input: query field ${field}`, "invalid");
  }
}

function bool(value: string, get: (u: DirectoryUser) => boolean): UserPredicate {
  if (value !== "true" && value !== "false") throw invalidArgument("Invalid Input: query", "invalid");
  const want = value === "true";
  return (u) => get(u) === want;
}

const unquote = (v: string) => (/^'.*'$|^".*"$/.test(v) ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v);
