// Organisations: their settings on orgs/{org} (top-level fields, beside each capability's own), and the
// claims that keep two orgs from ever owning the same Workspace domain or Google customer:
// orgDomains/{domain} and googleCustomers/{customerId}, each naming its org. An org, its claims and its
// first admin are written in one transaction, so nothing is ever half-created and concurrent
// onboardings of one company end with one org.
import { randomBytes, randomUUID } from "node:crypto";
import type { DocumentSnapshot, Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { UserAccount } from "../accounts";
import { AppError } from "../platform/errors";
import { parseDocument, StoredDate } from "../platform/firestore";
import { DEFAULT_SIGN_IN_POLICY, SignInPolicy } from "./org-settings";

export const ORG_DOMAINS = "orgDomains";
export const GOOGLE_CUSTOMERS = "googleCustomers";

const Claim = z.looseObject({ orgId: z.string().min(1) });

/** What this capability reads of orgs/{org}; other capabilities' fields are left alone. */
const StoredOrg = z.looseObject({
  displayName: z.string().optional(),
  primaryDomain: z.string().optional(),
  domains: z.array(z.string()).optional(),
  googleCustomerId: z.string().nullable().optional(),
  defaultRegion: z.string().optional(),
  defaultTimeZone: z.string().optional(),
  signInPolicy: SignInPolicy.optional(),
  jitProvisioning: z.boolean().optional(),
  // Before the org-level setting existed, just-in-time accounts were a SAML setting.
  sso: z.looseObject({ jitProvisioning: z.boolean().optional() }).optional(),
  createdBy: z.string().optional(),
  createdAt: StoredDate.optional(),
  updatedAt: StoredDate.optional(),
});

export interface Org {
  id: string;
  displayName: string;
  primaryDomain: string | null;
  domains: string[];
  googleCustomerId: string | null;
  /** null until set: contacts then read numbers as US (shared/contacts/org-region.ts). */
  defaultRegion: string | null;
  defaultTimeZone: string | null;
  signInPolicy: SignInPolicy;
  jitProvisioning: boolean;
  /** "telephony" (the phone system's route) or "self_service" (a super admin's Google sign-in). */
  createdBy: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface NewOrg {
  /** The id to use; generated from the primary domain when absent. */
  orgId?: string;
  displayName: string;
  primaryDomain: string;
  /** Every domain the org owns (the primary one included or not). */
  domains: string[];
  googleCustomerId?: string;
  defaultRegion?: string;
  defaultTimeZone?: string;
  firstAdmin: { email: string; displayName?: string; workspaceId?: string };
  createdBy: "telephony" | "self_service";
}

export type OrgPatch = Partial<
  Pick<Org, "displayName" | "defaultRegion" | "defaultTimeZone" | "signInPolicy" | "jitProvisioning">
>;

export interface CreatedOrg {
  org: Org;
  /** false: the company was already onboarded (a repeat), and `org` is the existing one. */
  created: boolean;
  /** The first admin's account id (on creation only). */
  adminUserId?: string;
}

export interface OrgRepository {
  get(orgId: string): Promise<Org | undefined>;
  byDomain(domain: string): Promise<Org | undefined>;
  byCustomer(customerId: string): Promise<Org | undefined>;
  create(input: NewOrg, now: Date): Promise<CreatedOrg>;
  update(orgId: string, patch: OrgPatch, now: Date): Promise<{ before: Org; after: Org }>;
}

function orgOf(id: string, snap: DocumentSnapshot): Org {
  const s = parseDocument(StoredOrg, snap) ?? {};
  return {
    id,
    displayName: s.displayName ?? id,
    primaryDomain: s.primaryDomain ?? null,
    domains: s.domains ?? [],
    googleCustomerId: s.googleCustomerId ?? null,
    defaultRegion: s.defaultRegion ?? null,
    defaultTimeZone: s.defaultTimeZone ?? null,
    signInPolicy: s.signInPolicy ?? DEFAULT_SIGN_IN_POLICY,
    jitProvisioning: s.jitProvisioning ?? s.sso?.jitProvisioning ?? false,
    createdBy: s.createdBy ?? null,
    createdAt: s.createdAt ?? null,
    updatedAt: s.updatedAt ?? null,
  };
}

/** e.g. "northwind-k3j9x2": readable in logs, unguessable enough not to collide. */
const newOrgId = (primaryDomain: string) =>
  `${primaryDomain
    .split(".")[0]!
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 30)}-${randomBytes(4).toString("hex").slice(0, 6)}`;

const domainTaken = (what: string) =>
  new AppError("domain_taken", `${what} already belongs to another Switchboard organisation`, {
    details: { claimed: what },
  });

export function firestoreOrgRepository(db: Firestore): OrgRepository {
  const orgRef = (orgId: string) => db.doc(`orgs/${orgId}`);
  const domainRef = (domain: string) => db.collection(ORG_DOMAINS).doc(domain);
  const customerRef = (customerId: string) => db.collection(GOOGLE_CUSTOMERS).doc(customerId);
  const viaClaim = async (ref: FirebaseFirestore.DocumentReference) => {
    const claim = parseDocument(Claim, await ref.get());
    return claim ? orgOf(claim.orgId, await orgRef(claim.orgId).get()) : undefined;
  };

  return {
    async get(orgId) {
      const snap = await orgRef(orgId).get();
      return snap.exists ? orgOf(orgId, snap) : undefined;
    },
    byDomain: (domain) => viaClaim(domainRef(domain.toLowerCase())),
    byCustomer: (customerId) => viaClaim(customerRef(customerId)),

    async create(input, now) {
      const primary = input.primaryDomain.toLowerCase();
      const domains = [...new Set([primary, ...input.domains.map((d) => d.toLowerCase())])];
      return db.runTransaction(async (tx): Promise<CreatedOrg> => {
        const claimRefs = [
          ...domains.map(domainRef),
          ...(input.googleCustomerId ? [customerRef(input.googleCustomerId)] : []),
        ];
        const owners = (await tx.getAll(...claimRefs)).map((s) => parseDocument(Claim, s)?.orgId);
        const customerOwner = input.googleCustomerId ? owners.at(-1) : undefined;
        const existing = customerOwner ?? owners[0];
        const claimed = (i: number) =>
          i < domains.length ? domains[i]! : `Google customer ${input.googleCustomerId}`;
        if (existing) {
          // The same company again (same primary domain or customer): a repeat, unless part of it is
          // someone else's.
          const other = owners.findIndex((o) => o !== undefined && o !== existing);
          if (other >= 0) throw domainTaken(claimed(other));
          return { org: orgOf(existing, await tx.get(orgRef(existing))), created: false };
        }
        const taken = owners.findIndex((o) => o !== undefined);
        if (taken >= 0) throw domainTaken(claimed(taken));

        const orgId = input.orgId ?? newOrgId(primary);
        const ref = orgRef(orgId);
        const current = await tx.get(ref);
        if (current.get("primaryDomain") !== undefined)
          throw new AppError("conflict", `The organisation id ${orgId} is already in use`, {
            details: { orgId },
          });
        const adminUserId = randomUUID();
        const fields = {
          displayName: input.displayName,
          primaryDomain: primary,
          domains,
          googleCustomerId: input.googleCustomerId ?? null,
          ...(input.defaultRegion ? { defaultRegion: input.defaultRegion } : {}),
          ...(input.defaultTimeZone ? { defaultTimeZone: input.defaultTimeZone } : {}),
          signInPolicy: DEFAULT_SIGN_IN_POLICY,
          jitProvisioning: false,
          createdBy: input.createdBy,
          createdAt: now,
          updatedAt: now,
        };
        // A merge: capabilities that wrote to orgs/{org} before onboarding keep their fields.
        tx.set(ref, fields, { merge: true });
        for (const d of domains) tx.create(domainRef(d), { orgId, claimedAt: now });
        if (input.googleCustomerId) tx.create(customerRef(input.googleCustomerId), { orgId, claimedAt: now });
        const admin = UserAccount.parse({
          id: adminUserId,
          orgId,
          email: input.firstAdmin.email,
          ...(input.firstAdmin.displayName ? { displayName: input.firstAdmin.displayName } : {}),
          ...(input.firstAdmin.workspaceId ? { workspaceId: input.firstAdmin.workspaceId } : {}),
          role: "admin",
          status: "active",
          licensed: true,
          createdAt: now,
        });
        tx.create(db.doc(`orgs/${orgId}/users/${adminUserId}`), admin);
        return { org: { ...orgOf(orgId, current), ...fields }, created: true, adminUserId };
      });
    },

    async update(orgId, patch, now) {
      const ref = orgRef(orgId);
      return db.runTransaction(async (tx) => {
        const before = orgOf(orgId, await tx.get(ref));
        const fields = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
        // regionChangedAt tells each user's contact sync to re-read stored numbers in the new region
        // (shared/contacts/renormalise.ts).
        const regionChanged =
          fields.defaultRegion !== undefined && fields.defaultRegion !== before.defaultRegion;
        tx.set(
          ref,
          { ...fields, ...(regionChanged ? { regionChangedAt: now } : {}), updatedAt: now },
          { merge: true },
        );
        return { before, after: { ...before, ...fields, updatedAt: now } };
      });
    },
  };
}
