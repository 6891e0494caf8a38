// The soak's end-state checks. Contacts: each contact the soak made is on both sides exactly once with
// the last values written (lost, duplicated, resurrected or different otherwise); presence: busy exactly
// for people with a meeting in progress; directory: every person's Switchboard account active or gone as
// in the simulated directory. Each finding names the person and the contact, so a failure can be traced.
import type { Firestore } from "@google-cloud/firestore";
import type { SimHttp } from "./sim-http";
import type { SoakActors } from "./soak-actions";
import type { SoakLedger } from "./soak-ledger";
import { accountsOf, eachLimit, type SoakPerson } from "./soak-setup";
import type { SoakOrg } from "./soak-world";

export type ViolationKind =
  | "contact_lost"
  | "contact_duplicated"
  | "contact_resurrected"
  | "contact_differs"
  | "contact_unknown"
  | "presence_differs"
  | "directory_differs"
  | "dead_letter";

export interface Violation {
  kind: ViolationKind;
  detail: string;
  /** Whose contacts differ (contact findings): that person asks for a sync again. */
  person?: string;
}

interface Seen {
  givenName: string;
  phones: string[];
}

const digits = (value: string) => value.replace(/[^\d+]/g, "");

async function switchboardSide(p: SoakPerson): Promise<Map<string, Seen[]>> {
  const byTag = new Map<string, Seen[]>();
  let cursor: string | undefined;
  do {
    const page = await p.client.call((c) =>
      c.GET("/v1/contacts", {
        params: { query: { kind: "personal", limit: "200", ...(cursor ? { cursor } : {}) } },
      }),
    );
    for (const c of page.contacts) {
      const seen = { givenName: c.givenName ?? "", phones: c.phones.map((x) => x.e164 ?? digits(x.value)) };
      byTag.set(c.familyName ?? "", [...(byTag.get(c.familyName ?? "") ?? []), seen]);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return byTag;
}

type GooglePerson = {
  names?: Array<{ givenName?: string; familyName?: string }>;
  phoneNumbers?: Array<{ value?: string; canonicalForm?: string }>;
};

async function googleSide(sim: SimHttp, email: string): Promise<Map<string, Seen[]>> {
  const persons = await sim<GooglePerson[]>("GET", `/_sim/users/${encodeURIComponent(email)}/contacts`);
  const byTag = new Map<string, Seen[]>();
  for (const g of persons) {
    const tag = g.names?.[0]?.familyName ?? "";
    const seen = {
      givenName: g.names?.[0]?.givenName ?? "",
      phones: (g.phoneNumbers ?? []).map((x) => x.canonicalForm ?? digits(x.value ?? "")),
    };
    byTag.set(tag, [...(byTag.get(tag) ?? []), seen]);
  }
  return byTag;
}

/** Contact findings for one person. */
export async function checkContacts(sim: SimHttp, ledger: SoakLedger, p: SoakPerson): Promise<Violation[]> {
  const [sb, google] = await Promise.all([switchboardSide(p), googleSide(sim, p.email)]);
  const found: Violation[] = [];
  const mine = [...ledger.contacts.values()].filter((c) => c.person === p.email);
  const known = new Set(mine.map((c) => c.tag));
  for (const c of mine) {
    const sides = { switchboard: sb.get(c.tag) ?? [], google: google.get(c.tag) ?? [] };
    for (const [side, seen] of Object.entries(sides)) {
      const where = `${c.tag} of ${p.email} (made in ${c.side}) in ${side}`;
      if (c.deleted) {
        if (seen.length > 0)
          found.push({
            kind: "contact_resurrected",
            detail: `${where}: deleted, yet present`,
            person: p.email,
          });
      } else if (seen.length === 0)
        found.push({ kind: "contact_lost", detail: `${where}: missing`, person: p.email });
      else if (seen.length > 1)
        found.push({
          kind: "contact_duplicated",
          detail: `${where}: ${seen.length} copies`,
          person: p.email,
        });
      else if (seen[0]!.givenName !== c.givenName || seen[0]!.phones.join() !== c.phone)
        found.push({
          kind: "contact_differs",
          person: p.email,
          detail: `${where}: ${seen[0]!.givenName} ${seen[0]!.phones.join()} instead of ${c.givenName} ${c.phone}`,
        });
    }
  }
  for (const [side, byTag] of [
    ["switchboard", sb],
    ["google", google],
  ] as const)
    for (const tag of byTag.keys())
      if (tag.startsWith("Soak") && !known.has(tag))
        found.push({
          kind: "contact_unknown",
          detail: `${tag} in ${side} of ${p.email}: never made there`,
          person: p.email,
        });
  return found;
}

/** Presence findings for an org's connected calendars, as a colleague (the admin) sees them. */
export async function checkPresence(
  admin: SoakPerson,
  ledger: SoakLedger,
  people: SoakPerson[],
): Promise<Violation[]> {
  const found: Violation[] = [];
  for (let i = 0; i < people.length; i += 200) {
    const batch = people.slice(i, i + 200);
    const { presence } = await admin.client.call((c) =>
      c.GET("/v1/presence", { params: { query: { users: batch.map((p) => p.userId).join(",") } } }),
    );
    for (const [n, p] of batch.entries()) {
      const state = (presence as Array<{ state: string }>)[n]?.state;
      const inMeeting = (ledger.meetings.get(p.email)?.size ?? 0) > 0;
      const ok = inMeeting ? state !== "available" && state !== "unknown" : state === "available";
      if (!ok)
        found.push({
          kind: "presence_differs",
          detail: `${p.email}: ${state} while ${inMeeting ? "in a meeting" : "free"} in Google`,
        });
    }
  }
  return found;
}

/** Directory findings: an active person has an active account; a leaver's is deprovisioned or gone. */
export async function checkDirectory(
  db: Firestore,
  ledger: SoakLedger,
  orgs: SoakOrg[],
): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const org of orgs) {
    const accounts = await accountsOf(db, org.id);
    for (const [email, want] of ledger.directory) {
      if (want.org !== org.id) continue;
      const status = accounts.get(email);
      const ok =
        want.state === "active" ? status === "active" : status === undefined || status === "deprovisioned";
      if (!ok)
        found.push({
          kind: "directory_differs",
          detail: `${email}: account ${status ?? "missing"}, ${want.state} in the directory`,
        });
    }
  }
  return found;
}

export const checkAll = async (deps: {
  sim: SimHttp;
  db: Firestore;
  ledger: SoakLedger;
  actors: SoakActors;
  admins: Map<string, SoakPerson>;
  orgs: SoakOrg[];
}): Promise<Violation[]> => {
  const people = [...deps.actors.people.values()];
  const contacts: Violation[] = [];
  await eachLimit(people, 8, async (p) => {
    contacts.push(...(await checkContacts(deps.sim, deps.ledger, p)));
  });
  const presence = (
    await Promise.all(
      deps.orgs.map((o) =>
        checkPresence(
          deps.admins.get(o.id)!,
          deps.ledger,
          people.filter((p) => p.orgId === o.id && deps.actors.calendar.has(p.email)),
        ),
      ),
    )
  ).flat();
  return [...contacts, ...presence, ...(await checkDirectory(deps.db, deps.ledger, deps.orgs))];
};
