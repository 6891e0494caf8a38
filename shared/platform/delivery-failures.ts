// Messages that keep failing, per org: each failed delivery of an event function's message (a transient
// failure, thrown so that Pub/Sub redelivers) adds one to deliveryFailures/{topic}:{messageId}, with the
// org it concerns. A message whose count reaches its subscription's maxDeliveryAttempts has been
// dead-lettered; the admin's integration health counts those (integration-health.ts). Pub/Sub tells a
// push endpoint nothing about attempts once the Functions Framework has converted the message, so the
// count is kept here. A process killed mid-delivery records nothing for that attempt: the count is a
// lower bound. Records expire after DEAD_LETTER_RETENTION_MS (Firestore TTL on expireAt), like the
// dead-letter subscriptions' own retention.
import { FieldValue, type Firestore, Timestamp } from "@google-cloud/firestore";

export const DELIVERY_FAILURES = "deliveryFailures";
export const DEAD_LETTER_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * The dead-letter threshold (maxDeliveryAttempts in functions/manifest.json, checked by its test) of the
 * topics the health view reports, with the integration each serves.
 */
export const REPORTED_TOPICS = {
  "contact-sync": { integration: "contacts", maxDeliveryAttempts: 10 },
  "calendar-sync": { integration: "calendar", maxDeliveryAttempts: 10 },
  "directory-sync": { integration: "directory", maxDeliveryAttempts: 10 },
} as const;

export interface DeliveryFailure {
  topic: string;
  messageId: string;
  /** The org the message concerns (its payload's orgId), when it names one. */
  orgId: string | undefined;
  /** What went wrong, without details (an error code or class): never a token or a payload. */
  reason: string;
}

export interface DeliveryFailureRecorder {
  record(failure: DeliveryFailure, now: Date): Promise<void>;
}

export function firestoreDeliveryFailures(db: () => Firestore): DeliveryFailureRecorder {
  return {
    async record(f, now) {
      await db()
        .collection(DELIVERY_FAILURES)
        .doc(`${f.topic}:${f.messageId}`.slice(0, 1400))
        .set(
          {
            topic: f.topic,
            ...(f.orgId ? { orgId: f.orgId } : {}),
            attempts: FieldValue.increment(1),
            reason: f.reason.slice(0, 200),
            lastFailedAt: Timestamp.fromDate(now),
            expireAt: Timestamp.fromMillis(now.getTime() + DEAD_LETTER_RETENTION_MS),
          },
          { merge: true },
        );
    },
  };
}

let recorder: DeliveryFailureRecorder | undefined;

/** Set once per process by its composition (process-ports.ts); event handlers report to it. */
export function recordDeliveryFailuresWith(r: DeliveryFailureRecorder | undefined): void {
  recorder = r;
}

export const deliveryFailureRecorder = (): DeliveryFailureRecorder | undefined => recorder;
