// Turns a seed (code or JSON) into state: directory, contacts, OAuth clients, service accounts.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { applyCalendarSeed } from "../calendar/seed";
import type { NewUser } from "../directory/directory-store";
import { applyDriveSeed } from "../drive/seed";
import { applyGmailSeed } from "../gmail/seed";
import { normalisePersonInput, type PersonData } from "../people/person";
import { parseScopes } from "../scopes";
import type { Org, SimState } from "../state";
import {
  type ContactSeed,
  ContactSeedSchema,
  type OrgSeed,
  OrgSeedSchema,
  type ParsedContactSeed,
  type UserSeed,
  UserSeedSchema,
} from "./org-seed";
import { syntheticContact, syntheticName, syntheticPhone } from "./synthetic";

export function seedOrg(state: SimState, input: OrgSeed): Org {
  const seed = OrgSeedSchema.parse(input);
  const domain = seed.domain.toLowerCase();
  if (state.orgByDomain(domain)) throw new Error(`an organisation with domain ${domain} is already seeded`);
  const org = state.createOrg({
    id: seed.id ?? domain,
    domain,
    customerId: seed.customerId ?? `C0${randomBytes(4).toString("hex").slice(0, 7)}`,
    idpId: seed.idpId ?? `C0${randomBytes(4).toString("hex").slice(0, 7)}`,
    defaultRegion: seed.defaultRegion,
    secondaryDomains: seed.secondaryDomains.map((s) => s.toLowerCase()),
    consumer: seed.consumer,
    appAccess: seed.appAccess,
    ...(seed.samlApp ? { sp: seed.samlApp } : {}),
    delegations: [],
  });
  for (const ou of seed.orgUnits) {
    if (typeof ou === "string") org.directory.ensureOrgUnit(ou);
    else org.directory.ensureOrgUnit(ou.path, ou.description);
  }
  for (const user of seed.users) addSeededUser(state, org, user, { silent: true });
  for (let i = 0; i < seed.generatedUsers; i++) {
    const { givenName, familyName } = syntheticName(i);
    const local = `${givenName}.${familyName}.${i}`
      .toLowerCase()
      .normalize("NFD")
      .replace(/[^a-z0-9.]/g, "");
    org.directory.addUser(
      {
        primaryEmail: `${local}@${domain}`,
        givenName,
        familyName,
        phones: [{ value: syntheticPhone(i), type: "work" }],
        orgUnitPath: `/Generated/Team-${i % 20}`,
        suspended: i % 97 === 0,
        archived: false,
        isAdmin: false,
        creationTime: state.now(),
      },
      { silent: true },
    );
  }
  const groupEmails = new Set(seed.groups.map((g) => g.email.toLowerCase()));
  for (const g of seed.groups) {
    org.directory.addGroup({
      email: g.email,
      name: g.name ?? g.email.split("@")[0]!,
      description: g.description,
      members: g.members.map((m) => {
        const email = (typeof m === "string" ? m : m.email).toLowerCase();
        const role = typeof m === "string" ? "MEMBER" : m.role;
        const type = (typeof m !== "string" && m.type) || (groupEmails.has(email) ? "GROUP" : "USER");
        return { email, role, type };
      }),
    });
  }
  for (const c of seed.oauthClients) {
    const existing = state.oauthClients.get(c.clientId);
    if (existing && existing.clientSecret !== c.clientSecret)
      throw new Error(`OAuth client ${c.clientId} seeded twice with different secrets`);
    state.oauthClients.set(c.clientId, existing ?? { ...c, orgId: org.id });
  }
  for (const sa of seed.serviceAccounts) {
    let account = state.serviceAccounts.get(sa.email);
    if (!account) {
      const keys = sa.publicKeyPem ? undefined : generateKeyPairSync("rsa", { modulusLength: 2048 });
      account = {
        email: sa.email,
        clientId:
          sa.clientId ?? `1${randomBytes(10).readBigUInt64BE().toString().padStart(20, "0").slice(0, 20)}`,
        publicKeyPem: sa.publicKeyPem ?? keys!.publicKey.export({ type: "spki", format: "pem" }).toString(),
        ...(keys
          ? { privateKeyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString() }
          : {}),
        ...(sa.privateKeyPem ? { privateKeyPem: sa.privateKeyPem } : {}),
      };
      state.serviceAccounts.set(sa.email, account);
    }
    if (sa.delegatedScopes.length > 0)
      org.delegations.push({ clientId: account.clientId, scopes: parseScopes(sa.delegatedScopes.join(" ")) });
  }
  // Part 2 (Calendar, Gmail, Drive): after users, contacts and groups exist.
  if (seed.drive) applyDriveSeed(state, org, seed.drive);
  if (seed.gmail) applyGmailSeed(state, org, seed.gmail);
  if (seed.calendar) applyCalendarSeed(state, org, seed.calendar);
  return org;
}

export function addSeededUser(state: SimState, org: Org, input: UserSeed, opts: { silent?: boolean } = {}) {
  const u = UserSeedSchema.parse(input);
  const newUser: NewUser = {
    primaryEmail: u.email,
    givenName: u.givenName,
    familyName: u.familyName,
    phones: u.phones.map((p) => (typeof p === "string" ? { value: p, type: "work" } : p)),
    orgUnitPath: u.orgUnitPath,
    suspended: u.suspended,
    archived: u.archived,
    isAdmin: u.isAdmin,
    ...(u.isDelegatedAdmin ? { isDelegatedAdmin: true } : {}),
    creationTime: u.creationTime ? Date.parse(u.creationTime) : state.now(),
  };
  let user = org.directory.addUser(newUser, opts);
  if (u.deleted) user = org.directory.deleteUser(user.id);
  const store = state.contactsOf(user.id);
  for (const c of u.contacts) store.create(contactData(c, org.defaultRegion));
  for (let i = 0; i < u.generatedContacts; i++)
    store.create(contactData(syntheticContact(i), org.defaultRegion));
  store.warmSearchCache();
  return user;
}

/** Converts the convenient contact seed into People API fields (raw `person` fields win). */
export function contactData(input: ContactSeed, region: string): PersonData {
  return parsedContactData(ContactSeedSchema.parse(input), region);
}

function parsedContactData(c: ParsedContactSeed, region: string): PersonData {
  const person: Record<string, unknown> = {};
  if (c.givenName || c.familyName) {
    person.names = [
      {
        ...(c.givenName ? { givenName: c.givenName } : {}),
        ...(c.familyName ? { familyName: c.familyName } : {}),
      },
    ];
  } else if (c.name) person.names = [{ unstructuredName: c.name }];
  if (c.phones.length > 0)
    person.phoneNumbers = c.phones.map((p) => (typeof p === "string" ? { value: p, type: "mobile" } : p));
  if (c.emails.length > 0)
    person.emailAddresses = c.emails.map((e) => (typeof e === "string" ? { value: e, type: "work" } : e));
  if (c.organization) person.organizations = [{ name: c.organization }];
  if (c.notes) person.biographies = [{ value: c.notes, contentType: "TEXT_PLAIN" }];
  return normalisePersonInput({ ...person, ...(c.person ?? {}) }, region);
}
