// Phone-system accounts: orgs/{org}/users/{user}. Provisioning (directory sync) writes them; identity
// reads them to decide who may sign in. Emails are stored lower-case, so lookups are exact.
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { converter } from "../platform/firestore";

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
});
export type UserAccount = z.input<typeof UserAccount>;

export interface UserRepository {
  get(orgId: string, userId: string): Promise<UserAccount | undefined>;
  findByEmail(orgId: string, email: string): Promise<UserAccount | undefined>;
  create(user: UserAccount): Promise<void>;
}

export function firestoreUserRepository(db: Firestore): UserRepository {
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
  };
}

/** Whether an account may hold a session: active and licensed. */
export const canSignIn = (user: UserAccount | undefined): user is UserAccount =>
  user !== undefined && user.status === "active" && user.licensed;
