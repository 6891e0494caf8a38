// The soak's changes, each recorded in the ledger once it happened: contacts added, edited and deleted in
// Google (the simulator's control API) and in Switchboard (the API, as the person), meetings started and
// ended, people joining, moving and leaving the directory, and a person asking for a sync. One action
// holds its person, so a person's changes happen in order and a leaver has nothing in flight.

import type { SimHttp } from "./sim-http";
import type { SeededRandom, SoakLedger } from "./soak-ledger";
import type { SoakPerson } from "./soak-setup";
import { SOAK_OUS, type SoakOrg } from "./soak-world";

const GIVEN = ["Amal", "Björn", "Chidi", "Dana", "Eitan", "Fumiko", "Greta", "Hamza", "Ines", "Joaquín"];

export interface SoakActors {
  /** People who are signed in, connected and still in the directory, by email. */
  people: Map<string, SoakPerson>;
  /** Those whose calendar is connected. */
  calendar: Set<string>;
  busy: Set<string>;
}

const emailId = (email: string) => encodeURIComponent(email);
const contactPath = (email: string, resourceName: string) =>
  `/_sim/users/${emailId(email)}/contacts/${resourceName.replace("people/", "")}`;

export function soakActions(deps: {
  sim: SimHttp;
  ledger: SoakLedger;
  random: SeededRandom;
  actors: SoakActors;
  orgs: SoakOrg[];
  now: () => number;
}) {
  const { sim, ledger, random, actors } = deps;
  const given = () => random.pick(GIVEN)!;

  /** A new contact with a fresh tag and number, made on one side and recorded once that side has it. */
  async function addContact(
    p: SoakPerson,
    side: "google" | "switchboard",
    make: (fields: {
      givenName: string;
      familyName: string;
      phones: Array<{ value: string; type: string }>;
    }) => Promise<string>,
  ) {
    const tag = ledger.nextTag();
    const givenName = given();
    const phone = ledger.nextPhone();
    const ref = await make({ givenName, familyName: tag, phones: [{ value: phone, type: "mobile" }] });
    ledger.contacts.set(tag, { tag, person: p.email, side, givenName, phone, deleted: false, ref });
  }

  const actions = {
    async googleAdd(p: SoakPerson) {
      await addContact(p, "google", async (fields) => {
        const person = await sim<{ resourceName: string }>(
          "POST",
          `/_sim/users/${emailId(p.email)}/contacts`,
          fields,
        );
        return person.resourceName;
      });
    },
    async googleEdit(p: SoakPerson) {
      const c = random.pick(ledger.live(p.email, "google"));
      if (!c) return actions.googleAdd(p);
      const givenName = given();
      const phone = ledger.nextPhone();
      // Google's name is one field: the family name (the tag) is given again with the new given name.
      await sim("PATCH", contactPath(p.email, c.ref), {
        givenName,
        familyName: c.tag,
        phones: [{ value: phone, type: "mobile" }],
      });
      Object.assign(c, { givenName, phone });
    },
    async googleDelete(p: SoakPerson) {
      const c = random.pick(ledger.live(p.email, "google"));
      if (!c) return actions.googleAdd(p);
      await sim("DELETE", contactPath(p.email, c.ref));
      c.deleted = true;
    },
    async switchboardAdd(p: SoakPerson) {
      await addContact(p, "switchboard", async (fields) => {
        const created = await p.client.call((c) => c.POST("/v1/contacts", { body: fields }));
        return created.id;
      });
    },
    async switchboardEdit(p: SoakPerson) {
      const c = random.pick(ledger.live(p.email, "switchboard"));
      if (!c) return actions.switchboardAdd(p);
      const givenName = given();
      const phone = ledger.nextPhone();
      await p.client.call((api) =>
        api.PATCH("/v1/contacts/{id}", {
          params: { path: { id: c.ref } },
          body: { givenName, phones: [{ value: phone, type: "mobile" }] },
        }),
      );
      Object.assign(c, { givenName, phone });
    },
    async switchboardDelete(p: SoakPerson) {
      const c = random.pick(ledger.live(p.email, "switchboard"));
      if (!c) return actions.switchboardAdd(p);
      await p.client.call((api) => api.DELETE("/v1/contacts/{id}", { params: { path: { id: c.ref } } }));
      c.deleted = true;
    },
    async askForSync(p: SoakPerson) {
      await p.client.call((c) => c.POST("/v1/contacts/sync"));
    },
    async meetingStarts(p: SoakPerson) {
      if (!actors.calendar.has(p.email)) return actions.googleAdd(p);
      const now = deps.now();
      const event = await sim<{ id: string }>("POST", `/_sim/calendar/users/${emailId(p.email)}/events`, {
        summary: "Soak meeting",
        start: { dateTime: new Date(now - 60_000).toISOString() },
        end: { dateTime: new Date(now + 6 * 3600_000).toISOString() },
      });
      const meetings = ledger.meetings.get(p.email) ?? new Set<string>();
      meetings.add(event.id);
      ledger.meetings.set(p.email, meetings);
    },
    async meetingEnds(p: SoakPerson) {
      const id = random.pick([...(ledger.meetings.get(p.email) ?? [])]);
      if (!id) return actions.meetingStarts(p);
      await sim("POST", `/_sim/calendar/users/${emailId(p.email)}/events/${id}/cancel`);
      ledger.meetings.get(p.email)!.delete(id);
    },
  };
  return actions;
}
export type PersonAction = keyof ReturnType<typeof soakActions>;

/** Directory changes: someone joins, moves to the other OU, or leaves (deleted in Google). */
export function directoryActions(deps: {
  sim: SimHttp;
  ledger: SoakLedger;
  random: SeededRandom;
  actors: SoakActors;
  orgs: SoakOrg[];
}) {
  const { sim, ledger, random, actors } = deps;
  let joined = 0;
  return {
    async join() {
      const org = random.pick(deps.orgs)!;
      const email = `joiner${++joined}@${org.domain}`;
      await sim("POST", "/_sim/users", {
        email,
        givenName: "Joiner",
        familyName: String(joined),
        orgUnitPath: random.pick(SOAK_OUS),
      });
      ledger.directory.set(email, { org: org.id, state: "active" });
    },
    async move() {
      const email = random.pick([...actors.people.keys()].filter((e) => !actors.busy.has(e)));
      if (!email) return;
      await sim("POST", `/_sim/users/${emailId(email)}/move`, { orgUnitPath: random.pick(SOAK_OUS) });
    },
    async leave() {
      const admins = new Set(deps.orgs.map((o) => o.admin));
      const email = random.pick(
        [...actors.people.keys()].filter((e) => !actors.busy.has(e) && !admins.has(e)),
      );
      if (!email) return;
      // Out of the acting set first: nothing may act for a leaver once Google has deleted them.
      actors.people.delete(email);
      actors.calendar.delete(email);
      await sim("POST", `/_sim/users/${emailId(email)}/delete`);
      ledger.directory.set(email, { org: ledger.directory.get(email)!.org, state: "gone" });
      ledger.meetings.delete(email);
    },
  };
}
