// The presence document (orgs/{org}/presence/{user}): the computed state with reason, source, until and
// the next transition, plus the inputs only Switchboard knows (manual DND, live call). Every recompute
// reads the inputs and writes the result in one transaction (so a stale computation never overwrites a
// newer one), bumps the version only when what viewers see changed, and then publishes presence-changed:
// the event is written to the outbox in that same transaction and relayed after the commit (a crash or a
// failed publish in between leaves it to the presence sweep's relay; platform/outbox.ts).
import { createHash } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { Timestamp } from "@google-cloud/firestore";
import { z } from "zod";
import { converter, parseDocuments } from "../platform/firestore";
import type { Logger } from "../platform/logger";
import { addToOutbox, type OutboxMessage, relayOne } from "../platform/outbox";
import type { EventPublisher } from "../platform/pubsub";
import { type CalendarStore, syncStatePath } from "./calendar-store";
import type { PresenceSettings } from "./event-filter";
import { computePresence, PRESENCE_STATES, type Presence } from "./presence-engine";
import { PresenceChangedMessage } from "./presence-messages";

const When = z.union([z.instanceof(Timestamp).transform((t) => t.toDate()), z.date()]);

export const PresenceDoc = z.object({
  orgId: z.string(),
  userId: z.string(),
  state: z.enum(PRESENCE_STATES),
  reason: z.string(),
  source: z.union([
    z.object({ kind: z.literal("manual") }),
    z.object({ kind: z.literal("telephony"), callId: z.string() }),
    z.object({ kind: z.literal("calendar"), calendarId: z.string(), eventId: z.string() }),
    z.object({ kind: z.literal("none") }),
  ]),
  until: When.nullable(),
  title: z.string().nullable(),
  /** The sweep recomputes the user once this is due; null when nothing is scheduled. */
  nextTransitionAt: When.nullable(),
  manual: z.object({ state: z.literal("dnd"), until: When.nullable(), setAt: When }).nullable(),
  call: z.object({ callId: z.string(), since: When, reportedAt: When }).nullable(),
  /** The last call-state report's time: older reports (reordered) are ignored. */
  callReportedAt: When.nullable(),
  version: z.number().int().min(0),
  computedAt: When,
  changedAt: When.nullable(),
});
export type PresenceDoc = z.infer<typeof PresenceDoc>;

/** What recompute reads of the calendar sync state (orgs/{org}/users/{user}/cursors/calendar). */
const SyncStateZone = z.object({ timeZone: z.string() });
/** A calendar Switchboard can see: a sync state with a completed sync (teardown deletes it on disconnect). */
const SyncedOnce = z.object({ lastSyncAt: z.unknown().refine((v) => v !== null && v !== undefined) });
/** What the sweep reads of a due presence document. */
const DueUser = z.object({ orgId: z.string(), userId: z.string() });

export const presencePath = (orgId: string, userId: string) => `orgs/${orgId}/presence/${userId}`;

export type InputChange = (
  doc: PresenceDoc,
) => Pick<PresenceDoc, "manual" | "call" | "callReportedAt"> | undefined;

export interface PresenceRepository {
  get(orgId: string, userId: string): Promise<PresenceDoc | undefined>;
  getMany(keys: Array<{ orgId: string; userId: string }>): Promise<Array<PresenceDoc | undefined>>;
  /**
   * Recomputes from stored inputs (after an optional change to the manual/call inputs, applied in the same
   * transaction); publishes presence-changed when the visible state changed. Returns the document.
   */
  recompute(
    orgId: string,
    userId: string,
    change?: InputChange,
  ): Promise<{ doc: PresenceDoc; changed: boolean }>;
  /** Users whose next transition is due, soonest first. */
  due(now: Date, limit: number): Promise<Array<{ orgId: string; userId: string }>>;
}

export interface PresenceRepositoryDeps {
  db: Firestore;
  calendar: CalendarStore;
  publisher: EventPublisher;
  clock: () => Date;
  log: Logger;
}

const emptyDoc = (orgId: string, userId: string, now: Date): PresenceDoc => ({
  orgId,
  userId,
  state: "unknown",
  reason: "calendar_not_connected",
  source: { kind: "none" },
  until: null,
  title: null,
  nextTransitionAt: null,
  manual: null,
  call: null,
  callReportedAt: null,
  version: 0,
  computedAt: now,
  changedAt: null,
});

const visible = (p: Pick<Presence, "state" | "reason" | "until" | "title" | "source">) =>
  JSON.stringify([p.state, p.reason, p.until?.getTime() ?? null, p.title, p.source]);

async function orgSettings(db: Firestore, orgId: string): Promise<PresenceSettings> {
  const snap = await db.doc(`orgs/${orgId}`).get();
  return { tentativeCounts: snap.get("settings.presence.tentativeCounts") === true };
}

/** The presence-changed event of one version of a presence document (its id is deterministic). */
export function presenceChangedEvent(d: PresenceDoc): OutboxMessage<typeof PresenceChangedMessage.schema> {
  const id = createHash("sha256").update(`${d.orgId}/${d.userId}/${d.version}`).digest("hex").slice(0, 32);
  return {
    id: `presence-changed/${id}`,
    type: PresenceChangedMessage,
    orderingKey: `${d.orgId}/${d.userId}`,
    payload: {
      id,
      orgId: d.orgId,
      userId: d.userId,
      version: d.version,
      state: d.state,
      reason: d.reason,
      until: d.until?.toISOString() ?? null,
      title: d.title,
      changedAt: (d.changedAt ?? d.computedAt).toISOString(),
    },
  };
}

export function firestorePresenceRepository(deps: PresenceRepositoryDeps): PresenceRepository {
  const { db } = deps;
  const docRef = (orgId: string, userId: string) =>
    db.doc(presencePath(orgId, userId)).withConverter(converter(PresenceDoc));
  return {
    async get(orgId, userId) {
      return (await docRef(orgId, userId).get()).data();
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      const snaps = await db.getAll(...keys.map((k) => docRef(k.orgId, k.userId)));
      return snaps.map((s) => (s.exists ? PresenceDoc.parse(s.data()) : undefined));
    },
    async recompute(orgId, userId, change) {
      const settings = await orgSettings(db, orgId);
      const result = await db.runTransaction(async (tx) => {
        const now = deps.clock();
        const ref = docRef(orgId, userId);
        const [snap, stateSnap, entries] = await Promise.all([
          tx.get(ref),
          tx.get(db.doc(syncStatePath(orgId, userId))),
          deps.calendar.entries(orgId, userId, tx),
        ]);
        const current = snap.data() ?? emptyDoc(orgId, userId, now);
        const inputs = { ...current, ...(change?.(current) ?? {}) };
        const zone = SyncStateZone.safeParse(stateSnap.data());
        // Not synced yet: UTC. A malformed sync state must not stop presence (DND, calls): UTC, logged.
        if (stateSnap.exists && !zone.success) {
          deps.log.warn("presence.sync_state_malformed", {
            path: stateSnap.ref.path,
            reason: zone.error.message,
          });
        }
        const computed = computePresence({
          now,
          timeZone: zone.success ? zone.data.timeZone : "Etc/UTC",
          entries,
          settings,
          manual: inputs.manual,
          call: inputs.call,
          calendarVisible: SyncedOnce.safeParse(stateSnap.data()).success,
        });
        const changed = current.version === 0 || visible(current) !== visible(computed);
        const next: PresenceDoc = {
          ...inputs,
          state: computed.state,
          reason: computed.reason,
          source: computed.source,
          until: computed.until,
          title: computed.title,
          nextTransitionAt: computed.nextTransitionAt,
          version: changed ? current.version + 1 : current.version,
          computedAt: now,
          changedAt: changed ? now : current.changedAt,
        };
        tx.set(ref, next);
        // The event is written with the change (outbox): a crash before it is published loses nothing.
        if (changed) addToOutbox(db, tx, presenceChangedEvent(next), now);
        return { doc: next, changed };
      });
      if (result.changed) {
        const d = result.doc;
        try {
          await relayOne(db, deps.publisher, presenceChangedEvent(d));
        } catch (error) {
          // Committed with the change: the presence sweep relays it (relayOutbox).
          deps.log.warn("presence.changed_relay_deferred", { orgId, userId, version: d.version, error });
        }
        deps.log.info("presence.changed", { orgId, userId, state: d.state, version: d.version });
      }
      return result;
    },
    async due(now, limit) {
      const snap = await db
        .collectionGroup("presence")
        .where("nextTransitionAt", "<=", now)
        .orderBy("nextTransitionAt")
        .limit(limit)
        .get();
      return parseDocuments(DueUser, snap.docs, deps.log).map(({ data }) => data);
    },
  };
}
