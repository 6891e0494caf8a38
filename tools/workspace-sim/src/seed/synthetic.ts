// Deterministic synthetic people for size tests: realistic names and numbers in varied formats.
import type { ParsedContactSeed } from "./org-seed";

const GIVEN = [
  "Olivia",
  "Liam",
  "Emma",
  "Noah",
  "Ava",
  "Lucas",
  "Mia",
  "Mateo",
  "Sofia",
  "Elijah",
  "Amara",
  "Kenji",
  "Priya",
  "Jonas",
  "Chloé",
  "Diego",
  "Hannah",
  "Omar",
  "Ingrid",
  "Wei",
];
const FAMILY = [
  "Smith",
  "García",
  "Müller",
  "Nguyen",
  "Okafor",
  "Rossi",
  "Kowalski",
  "Tanaka",
  "Dubois",
  "Patel",
  "Johansson",
  "O'Brien",
  "Silva",
  "Cohen",
  "Novak",
  "Haddad",
  "Kim",
  "Larsen",
  "Moreau",
  "Fischer",
];
const COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Foods"];

export function syntheticName(i: number): { givenName: string; familyName: string } {
  return {
    givenName: GIVEN[i % GIVEN.length]!,
    familyName: FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!,
  };
}

/** A phone number in one of several everyday formats, unique for i < 10,000,000. */
export function syntheticPhone(i: number): string {
  const n = String(i).padStart(7, "0");
  switch (i % 4) {
    case 0:
      return `+1 415-${n.slice(0, 3)}-${n.slice(3)}`;
    case 1:
      return `(646) ${n.slice(0, 3)}-${n.slice(3)}`;
    case 2:
      return `+44 20 7${n.slice(0, 3)} ${n.slice(3)}`;
    default:
      return `+49 30 ${n}`;
  }
}

export function syntheticContact(i: number, domain = "example.net"): ParsedContactSeed {
  const { givenName, familyName } = syntheticName(i);
  const local = `${givenName}.${familyName}.${i}`
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z0-9.]/g, "");
  return {
    givenName,
    familyName,
    phones: [{ value: syntheticPhone(i), type: i % 2 === 0 ? "mobile" : "work" }],
    emails: [{ value: `${local}@${domain}`, type: "work" }],
    organization: COMPANIES[i % COMPANIES.length]!,
  };
}
