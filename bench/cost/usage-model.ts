// What one connected person and one deployment make Switchboard do in a day, built from the operation
// counts the other benches measured (bench/results.json) and a few named assumptions about how people
// use a phone system. The cost bench prices it; tools/scale turns it into the million-user model.
import { normaliseFields } from "../../shared/contacts/contact-model";
import { newContact } from "../../shared/contacts/sync-rules";

export type Results = Record<string, { value: number; unit: string }>;

/** One occurrence of something the system does, and what it costs in operations. */
export interface Activity {
  name: string;
  /** The function that runs it (its memory sets the vCPU billed). */
  fn: string;
  /** Runs inside another activity's invocation (no request of its own). */
  within?: true;
  wallMs: number;
  reads: number;
  writes: number;
  /** Pub/Sub messages published (each is also delivered once: two units of throughput). */
  messages: number;
  /** Google API calls, by API. */
  google: Record<string, number>;
  /** Which bench figures the counts come from, or why they are an estimate. */
  source: string;
}

const need = (results: Results, name: string): number => {
  const figure = results[name];
  if (!figure)
    throw new Error(`bench/results.json has no ${name}: run npm run bench -- ${name.split(".")[0]}`);
  return figure.value;
};

export function activities(r: Results): Record<string, Activity> {
  const refreshReads = need(r, "identity.get_access_token.refresh.firestore_reads");
  return {
    contactSync: {
      name: "scheduled contact sync, nothing changed (incremental: one connections page, one directory page)",
      fn: "contact-sync",
      wallMs: need(r, "contacts.incremental_noop.wall"),
      reads: need(r, "contacts.incremental_noop.firestore_reads") + 1, // + the cached access token
      writes: need(r, "contacts.incremental_noop.firestore_writes"),
      messages: 1, // the fan-out's request
      // A scheduled sync also refreshes company contacts: People calls per sync as a simulated day measured.
      google: { people: need(r, "sync_day.idle.people_calls") / need(r, "sync_day.idle.contact_syncs") },
      source: "contacts.incremental_noop.*, sync_day.idle.*, identity.get_access_token.cached.*",
    },
    tokenRefresh: {
      name: "access token refreshed (an hour-old token before a Google call)",
      fn: "contact-sync",
      within: true,
      wallMs: need(r, "identity.get_access_token.refresh.median"),
      reads: refreshReads,
      writes: need(r, "identity.get_access_token.refresh.firestore_writes"),
      messages: 0,
      google: { oauth: need(r, "identity.get_access_token.refresh.token_requests") },
      source: "identity.get_access_token.refresh.*",
    },
    calendarChange: {
      name: "a calendar event changes: push, then an incremental calendar sync",
      fn: "calendar-sync",
      wallMs: need(r, "presence.event_to_presence.p50") + need(r, "presence.webhook_ack.sequential.p50"),
      reads: 4,
      writes: 3,
      messages: 2, // calendar-sync request, presence-changed
      google: { calendar: 1 },
      source:
        "presence.event_to_presence.p50 + presence.webhook_ack.sequential.p50; reads/writes estimated (channel, sync state, presence; events, state, presence)",
    },
    callerId: {
      name: "caller-ID lookup on an incoming call",
      fn: "api",
      wallMs: need(r, "api.authenticated_request_p50"),
      reads: 3,
      writes: 0,
      messages: 0,
      google: {},
      source: "api.authenticated_request_p50; reads estimated (session check, matching contacts)",
    },
    sidebarCold: {
      name: "contact sidebar opened, nothing cached",
      fn: "api",
      wallMs: need(r, "sidebar.cold_p50"),
      reads: need(r, "sidebar.cold_firestore_reads_per_open"),
      writes: need(r, "sidebar.cold_firestore_writes_per_open"),
      messages: 0,
      google: {
        gmail: need(r, "sidebar.cold_gmail_round_trips_per_open"),
        drive: need(r, "sidebar.cold_drive_calls_per_open"),
        calendar: need(r, "sidebar.cold_calendar_calls_per_open"),
      },
      source: "sidebar.cold_*",
    },
    sidebarWarm: {
      name: "contact sidebar opened again (cached)",
      fn: "api",
      wallMs: need(r, "sidebar.warm_p50"),
      reads: need(r, "sidebar.warm_firestore_reads_per_open"),
      writes: need(r, "sidebar.warm_firestore_writes_per_open"),
      messages: 0,
      google: {},
      source: "sidebar.warm_*",
    },
    channelRenewal: {
      name: "calendar watch channel renewed (weekly)",
      fn: "channel-renewal",
      wallMs: 300,
      reads: 2,
      writes: 2,
      messages: 1,
      google: { calendar: 2 },
      source: "estimate: watch + stop of the old channel, ledger read and write",
    },
    directoryShare: {
      name: "a person's share of the directory reconciles (every 3 h, daily verify)",
      fn: "directory-reconcile",
      wallMs:
        (7 * need(r, "directory.unchanged_reconcile.wall_time") +
          need(r, "directory.daily_verify_reconcile.wall_time")) /
        need(r, "directory.unchanged_reconcile.users"),
      reads:
        (7 * need(r, "directory.unchanged_reconcile.firestore_reads") +
          need(r, "directory.daily_verify_reconcile.firestore_reads")) /
        need(r, "directory.unchanged_reconcile.users"),
      writes:
        (7 * need(r, "directory.unchanged_reconcile.firestore_writes") +
          need(r, "directory.daily_verify_reconcile.firestore_writes")) /
        need(r, "directory.unchanged_reconcile.users"),
      messages: 0,
      google: {
        directory:
          (7 * need(r, "directory.unchanged_reconcile.directory_calls") +
            need(r, "directory.daily_verify_reconcile.directory_calls")) /
          need(r, "directory.unchanged_reconcile.users"),
      },
      source: "directory.unchanged_reconcile.*, directory.daily_verify_reconcile.* (50,000 users), per user",
    },
  };
}

/** How often each activity happens per person and day. The assumptions are the model's inputs. */
export interface Profile {
  name: string;
  perDay: Record<string, number>;
  /** Contacts stored for the person: their own, and the company directory's copy. */
  personalContacts: number;
  companyContacts: number;
}

/**
 * Contact-sync runs a day, as `npm run bench -- sync-day` measured the adaptive schedule: idle people
 * hourly (24); an active person every 5 minutes from their first session of the day, since the active
 * window is a day (09:00 start: 9 hourly + 15 × 12 = 189; sync_day.active.contact_syncs).
 */
export const SYNC_SCHEDULE = { idlePerDay: 24, activePerDay: 189 };

export const PROFILES: Record<"idle" | "active", Profile> = {
  idle: {
    name: "idle connected user (Contacts and Calendar connected, not using the apps today)",
    perDay: {
      contactSync: SYNC_SCHEDULE.idlePerDay,
      tokenRefresh: SYNC_SCHEDULE.idlePerDay, // each hourly sync finds last hour's token expired
      calendarChange: 2,
      channelRenewal: 1 / 7,
      directoryShare: 1,
    },
    personalContacts: 200,
    companyContacts: 50,
  },
  active: {
    name: "active user (a working day of calls, meetings and sidebars)",
    perDay: {
      contactSync: SYNC_SCHEDULE.activePerDay,
      tokenRefresh: 24,
      calendarChange: 10,
      callerId: 30,
      sidebarCold: 5,
      sidebarWarm: 15,
      channelRenewal: 1 / 7,
      directoryShare: 1,
    },
    personalContacts: 500,
    companyContacts: 50,
  },
};

/**
 * Bytes a stored contact takes in Firestore, with its index entries, by the documented size rules
 * (https://cloud.google.com/firestore/docs/storage-size): document name + fields + 32, and for each
 * indexed value an entry of document name + value + 32 (scalars twice, ascending and descending).
 */
export function storedBytesPerContact(): number {
  const fields = normaliseFields(
    {
      givenName: "Hannah",
      familyName: "Okafor-Lindqvist",
      emails: [{ value: "hannah.okafor@northwind.example" }],
      phones: [{ value: "+44 20 7946 0321" }, { value: "+44 7700 900123" }],
      organization: "Northwind Traders",
    } as never,
    "GB",
  );
  const contact = newContact("c-0123456789abcdef", "personal", fields, new Date(), null) as unknown as Record<
    string,
    unknown
  >;
  const docName =
    "projects/p/databases/(default)/documents/orgs/o-12345678/users/u-12345678/contacts/c-0123456789abcdef"
      .length;
  const documentBytes = docName + JSON.stringify(contact).length + 32;
  // Every field is indexed unless exempted, maps field by field.
  const indexBytes = (path: string, value: unknown): number => {
    if (Array.isArray(value))
      return value.reduce<number>(
        (n, item) => n + docName + path.length + JSON.stringify(item).length + 32,
        0,
      );
    if (value !== null && typeof value === "object" && !(value instanceof Date))
      return Object.entries(value).reduce((n, [k, v]) => n + indexBytes(`${path}.${k}`, v), 0);
    return 2 * (docName + path.length + String(value).length + 32);
  };
  return documentBytes + Object.entries(contact).reduce((n, [k, v]) => n + indexBytes(k, v), 0);
}
