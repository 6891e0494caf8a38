// The seed format for an organisation (JSON file or code), validated with zod.
import { z } from "zod";
import { CalendarSeedSchema } from "../calendar/seed-schema";
import { DriveSeedSchema } from "../drive/seed-schema";
import { GmailSeedSchema } from "../gmail/seed-schema";

const phone = z.union([z.string(), z.object({ value: z.string(), type: z.string().default("work") })]);
const email = z.union([z.string(), z.object({ value: z.string(), type: z.string().default("work") })]);

export const ContactSeedSchema = z.object({
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  /** A full name when given/family are not split. */
  name: z.string().optional(),
  phones: z.array(phone).default([]),
  emails: z.array(email).default([]),
  organization: z.string().optional(),
  notes: z.string().optional(),
  /** Raw People API fields, merged over the convenience fields above. */
  person: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
});

export const UserSeedSchema = z.object({
  email: z.string().includes("@"),
  givenName: z.string(),
  familyName: z.string(),
  phones: z.array(phone).default([]),
  orgUnitPath: z.string().default("/"),
  suspended: z.boolean().default(false),
  archived: z.boolean().default(false),
  /** A super administrator. */
  isAdmin: z.boolean().default(false),
  /** An administrator with a delegated role (reads the directory, is not a super admin). */
  isDelegatedAdmin: z.boolean().default(false),
  deleted: z.boolean().default(false),
  creationTime: z.string().optional(),
  contacts: z.array(ContactSeedSchema).default([]),
  /** Adds this many synthetic contacts (for size tests). */
  generatedContacts: z.number().int().min(0).default(0),
});

/** A Google custom SAML app's settings (see src/saml/README.md for what each one does). */
export const SamlAppSchema = z.object({
  entityId: z.string(),
  acsUrl: z.string(),
  startUrl: z.string().optional(),
  signResponse: z.boolean().optional(),
  nameIdFormat: z
    .enum(["UNSPECIFIED", "EMAIL", "X509_SUBJECT", "ENTITY", "PERSISTENT", "TRANSIENT"])
    .optional(),
  attributes: z
    .array(z.object({ name: z.string().min(1), field: z.enum(["primaryEmail", "firstName", "lastName"]) }))
    .optional(),
  groupMembership: z.object({ name: z.string().min(1), groups: z.array(z.string()) }).optional(),
});
export type SamlAppSettings = z.infer<typeof SamlAppSchema>;

export const OrgSeedSchema = z.object({
  id: z.string().optional(),
  domain: z.string(),
  customerId: z.string().optional(),
  idpId: z.string().optional(),
  defaultRegion: z.string().default("US"),
  /** Verified secondary domains of the customer (Directory domains.list). */
  secondaryDomains: z.array(z.string()).default([]),
  /**
   * Consumer Google accounts (e.g. gmail.com), not a Workspace customer: their id_tokens carry no `hd`
   * claim and they have no directory to administer.
   */
  consumer: z.boolean().default(false),
  orgUnits: z
    .array(z.union([z.string(), z.object({ path: z.string(), description: z.string().default("") })]))
    .default([]),
  groups: z
    .array(
      z.object({
        email: z.string(),
        name: z.string().optional(),
        description: z.string().default(""),
        members: z
          .array(
            z.union([
              z.string(),
              z.object({
                email: z.string(),
                role: z.enum(["OWNER", "MANAGER", "MEMBER"]).default("MEMBER"),
                type: z.enum(["USER", "GROUP"]).optional(),
              }),
            ]),
          )
          .default([]),
      }),
    )
    .default([]),
  users: z.array(UserSeedSchema).default([]),
  /** Adds this many synthetic users under /Generated (for size tests). */
  generatedUsers: z.number().int().min(0).default(0),
  /** Where the SAML app is ON (Google: by OU and by group). */
  appAccess: z
    .object({ orgUnits: z.array(z.string()).default(["/"]), groups: z.array(z.string()).default([]) })
    .default({ orgUnits: ["/"], groups: [] }),
  samlApp: SamlAppSchema.optional(),
  oauthClients: z
    .array(
      z.object({
        clientId: z.string(),
        clientSecret: z.string(),
        redirectUris: z.array(z.string()).default([]),
        /** External app in "Testing": refresh tokens expire after 7 days. */
        testingMode: z.boolean().default(false),
      }),
    )
    .default([]),
  serviceAccounts: z
    .array(
      z.object({
        email: z.string(),
        clientId: z.string().optional(),
        publicKeyPem: z.string().optional(),
        privateKeyPem: z.string().optional(),
        /** Scopes this org's admin delegated to the account (domain-wide delegation). */
        delegatedScopes: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  /** Calendars and events (src/calendar): a demo week, explicit events, sharing. */
  calendar: CalendarSeedSchema.optional(),
  /** Mailboxes (src/gmail): explicit messages and/or generated history. */
  gmail: GmailSeedSchema.optional(),
  /** Drive files (src/drive): explicit files and/or the demo set. */
  drive: DriveSeedSchema.optional(),
});

export type ContactSeed = z.input<typeof ContactSeedSchema>;
export type ParsedContactSeed = z.output<typeof ContactSeedSchema>;
export type UserSeed = z.input<typeof UserSeedSchema>;
export type OrgSeed = z.input<typeof OrgSeedSchema>;
export type ParsedOrgSeed = z.output<typeof OrgSeedSchema>;

/** A seed file holds one organisation or `{ orgs: [...] }`. */
export const SeedFileSchema = z.union([z.object({ orgs: z.array(OrgSeedSchema) }), OrgSeedSchema]);
export type SeedFile = z.input<typeof SeedFileSchema>;
