// Phone-system accounts: orgs/{org}/users/{user}. Provisioning (directory sync) writes them; identity
// reads them to decide who may sign in. Emails are stored lower-case, so lookups are exact.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { converter } from "../platform/firestore";
import { addToOutbox, type OutboxMessage } from "../platform/outbox";

export const UserAccount = z.object({
  id: z.string().min(1),
  orgId: z.string().min(1),
  email: z
    .string()
    .email()
    .transform((e) => e.toLowerCase()),
  displayName: z.string().optional(),
  role: z.enum(["user", "admin"]),
  status: z.enum(["active", "suspended", "deprovisioned"]),
  licensed: z.boolean(),
  /** The Workspace directory user id, once provisioning has matched the account. */
  workspaceId: z.string().optional(),
  createdAt: z.date().or(z.custom<FirebaseFirestore.Timestamp>()).optional(),
  // Provisioning (shared/directory/provisioning-*): only accounts it manages are ever changed by it.
  managedBy: z.literal("provisioning").optional(),
  licenceType: z.string().optional(),
  department: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  orgUnitPath: z.string().optional(),
  /** Left scope or deleted in Workspace: the deprovisioning action runs at dueAt unless they return. */
  pendingDeprovision: z
    .object({ reason: z.string(), since: z.string(), dueAt: z.string() })
    .nullable()
    .optional(),
  deprovisionedAt: z.string().nullable().optional(),
});
export type UserAccount = z.input<typeof UserAccount>;

export interface UserRepository {
  get(orgId: string, userId: string): Promise<UserAccount | undefined>;
  findByEmail(orgId: string, email: string): Promise<UserAccount | undefined>;
  create(user: UserAccount): Promise<void>;
}

/** What provisioning needs on top (kept apart so fakes of UserRepository stay valid). */
export interface ProvisioningUserRepository extends UserRepository {
  /** Every account of the org (provisioning's full diff). */
  listAll(orgId: string): Promise<UserAccount[]>;
  /** Accounts linked to a Workspace id or holding an email (provisioning's targeted diff). */
  findForWorkspaceUser(orgId: string, workspaceId: string, email: string): Promise<UserAccount[]>;
  /**
   * Replaces an account (provisioning writes whole, validated accounts). `events` are written to the
   * outbox in the same transaction (platform/outbox.ts), so the change and its announcement commit
   * together; the caller relays them after the commit.
   */
  save(user: UserAccount, events?: Array<OutboxMessage<z.ZodType>>, now?: Date): Promise<void>;
  countLicensed(orgId: string): Promise<number>;
}

export function firestoreUserRepository(db: Firestore): ProvisioningUserRepository {
  const users = (orgId: string) => db.collection(`orgs/${orgId}/users`).withConverter(converter(UserAccount));
  return {
    async get(orgId, userId) {
      return (await users(orgId).doc(userId).get()).data();
    },
    async findByEmail(orgId, email) {
      const snap = await users(orgId).where("email", "==", email.toLowerCase()).limit(1).get();
      return snap.docs[0]?.data();
    },
    async create(user) {
      await users(user.orgId)
        .doc(user.id)
        .create(UserAccount.parse({ ...user, createdAt: user.createdAt ?? new Date() }));
    },
    async listAll(orgId) {
      return (await users(orgId).get()).docs.map((d) => d.data());
    },
    async findForWorkspaceUser(orgId, workspaceId, email) {
      const [byId, byEmail] = await Promise.all([
        users(orgId).where("workspaceId", "==", workspaceId).get(),
        users(orgId).where("email", "==", email.toLowerCase()).get(),
      ]);
      const found = new Map([...byId.docs, ...byEmail.docs].map((d) => [d.id, d.data()]));
      return [...found.values()];
    },
    async save(user, events = [], now = new Date()) {
      const account = UserAccount.parse({ ...user, createdAt: user.createdAt ?? now });
      if (events.length === 0) {
        await users(user.orgId).doc(user.id).set(account);
        return;
      }
      await db.runTransaction(async (tx) => {
        tx.set(users(user.orgId).doc(user.id), account);
        for (const event of events) addToOutbox(db, tx, event, now);
      });
    },
    async countLicensed(orgId) {
      const snap = await users(orgId)
        .where("licensed", "==", true)
        .where("status", "==", "active")
        .count()
        .get();
      return snap.data().count;
    },
  };
}

/** Whether an account may hold a session: active and licensed. */
export const canSignIn = (user: UserAccount | undefined): user is UserAccount =>
  user !== undefined && user.status === "active" && user.licensed;
