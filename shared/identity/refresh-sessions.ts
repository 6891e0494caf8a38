// Refresh sessions for the client apps: an opaque token, stored only as a hash, rotated on every use.
// Presenting an already-rotated token means it leaked (or a client raced itself): the whole family is
// revoked, so a stolen token and the legitimate one both stop working (RFC 9700, the OAuth 2.0 Security
// Best Current Practice, §4.14). Reuse is proven only by a secret that matches a stored hash of an earlier
// generation: the session id is in every access token, so a made-up "older" token must end nothing.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import { AppError } from "../platform/errors";
import { converter, expireAfter } from "../platform/firestore";
import { isIdentifier } from "../platform/identifiers";

export const REFRESH_SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** Earlier generations remembered for reuse detection; an older replay is a plain 401. */
export const PRIOR_GENERATIONS_KEPT = 32;

const Session = z.object({
  orgId: z.string(),
  userId: z.string(),
  generation: z.number().int().min(0),
  tokenHash: z.string(),
  /** Hashes of the last earlier generations' secrets, newest last (absent on sessions from before). */
  priorHashes: z.array(z.string()).default([]),
  status: z.enum(["active", "revoked"]),
  revokedReason: z.string().optional(),
  createdAt: z.custom<FirebaseFirestore.Timestamp | Date>(),
  lastUsedAt: z.custom<FirebaseFirestore.Timestamp | Date>(),
  expireAt: z.custom<FirebaseFirestore.Timestamp | Date>(),
});

export interface IssuedRefresh {
  sessionId: string;
  refreshToken: string;
}

const hash = (secret: string) => createHash("sha256").update(secret).digest("base64url");
const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

// rt.<org>.<session>.<generation>.<secret>: the org and session locate the document; only the secret is private.
const TOKEN = /^rt\.([A-Za-z0-9_-]{1,100})\.([A-Za-z0-9-]{36})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;
const format = (orgId: string, sessionId: string, generation: number, secret: string) =>
  `rt.${orgId}.${sessionId}.${generation}.${secret}`;

export interface RefreshSessions {
  start(orgId: string, userId: string): Promise<IssuedRefresh>;
  /** Rotates the token; returns the session's owner and the new token. */
  rotate(refreshToken: string): Promise<IssuedRefresh & { orgId: string; userId: string }>;
  revoke(orgId: string, sessionId: string, reason: string): Promise<void>;
  isActive(orgId: string, sessionId: string): Promise<boolean>;
  revokeAllForUser(orgId: string, userId: string, reason: string): Promise<number>;
}

export function firestoreRefreshSessions(db: Firestore, now: () => Date = () => new Date()): RefreshSessions {
  const sessions = (orgId: string) =>
    db.collection(`orgs/${orgId}/sessions`).withConverter(converter(Session));
  const invalid = () => new AppError("unauthenticated", "The refresh token is invalid, expired or revoked");
  return {
    async start(orgId, userId) {
      const sessionId = randomUUID();
      const secret = randomBytes(32).toString("base64url");
      const at = now();
      await sessions(orgId)
        .doc(sessionId)
        .create({
          orgId,
          userId,
          generation: 0,
          tokenHash: hash(secret),
          priorHashes: [],
          status: "active",
          createdAt: at,
          lastUsedAt: at,
          expireAt: expireAfter(REFRESH_SESSION_TTL_MS, at),
        });
      return { sessionId, refreshToken: format(orgId, sessionId, 0, secret) };
    },

    async rotate(refreshToken) {
      const m = TOKEN.exec(refreshToken);
      if (!m) throw invalid();
      const [, orgId, sessionId, generationText, secret] = m as unknown as [
        string,
        string,
        string,
        string,
        string,
      ];
      // An org id Firestore reserves ("__x__") cannot name a document: refuse it before the store does.
      if (!isIdentifier(orgId)) throw invalid();
      const generation = Number(generationText);
      const ref = sessions(orgId).doc(sessionId);
      const outcome = await db.runTransaction(async (tx) => {
        const current = (await tx.get(ref)).data();
        if (current?.status !== "active") return { ok: false as const };
        const expired = toDate(current.expireAt).getTime() <= now().getTime();
        const presented = hash(secret);
        if (generation < current.generation) {
          // A rotated token came back: treat the family as stolen, but only if it really was one of ours.
          if (current.priorHashes.some((h) => sameHash(presented, h)))
            tx.update(ref, { status: "revoked", revokedReason: "refresh_token_reused" });
          return { ok: false as const };
        }
        if (expired || generation !== current.generation || !sameHash(presented, current.tokenHash))
          return { ok: false as const };
        const next = randomBytes(32).toString("base64url");
        const at = now();
        tx.update(ref, {
          generation: generation + 1,
          tokenHash: hash(next),
          priorHashes: [...current.priorHashes, current.tokenHash].slice(-PRIOR_GENERATIONS_KEPT),
          lastUsedAt: at,
          expireAt: expireAfter(REFRESH_SESSION_TTL_MS, at),
        });
        return {
          ok: true as const,
          userId: current.userId,
          token: format(orgId, sessionId, generation + 1, next),
        };
      });
      if (!outcome.ok) throw invalid();
      return { orgId, userId: outcome.userId, sessionId, refreshToken: outcome.token };
    },

    async revoke(orgId, sessionId, reason) {
      const ref = sessions(orgId).doc(sessionId);
      await db.runTransaction(async (tx) => {
        if ((await tx.get(ref)).exists) tx.update(ref, { status: "revoked", revokedReason: reason });
      });
    },

    async isActive(orgId, sessionId) {
      const s = (await sessions(orgId).doc(sessionId).get()).data();
      return s?.status === "active" && toDate(s.expireAt).getTime() > now().getTime();
    },

    async revokeAllForUser(orgId, userId, reason) {
      const snap = await sessions(orgId).where("userId", "==", userId).where("status", "==", "active").get();
      const batch = db.batch();
      for (const doc of snap.docs) batch.update(doc.ref, { status: "revoked", revokedReason: reason });
      if (!snap.empty) await batch.commit();
      return snap.size;
    },
  };
}

const toDate = (value: FirebaseFirestore.Timestamp | Date): Date =>
  value instanceof Date ? value : value.toDate();
