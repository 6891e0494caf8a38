// Calendars, their ACLs and events. One EventRecord is shared by the organizer's calendar and the
// primary calendars of the attendees who are simulator users (same id and iCalUID, as in Google);
// every change appends the event id to the change log of each calendar it appears in, which drives
// sync tokens and push notifications.
import { randomBytes } from "node:crypto";
import { ChangeLog } from "../change-log";
import type { DirectoryUser } from "../directory/directory-store";
import type { Org, SimState } from "../state";
import { calendarSettings } from "./settings";

export type AccessRole = "none" | "freeBusyReader" | "reader" | "writer" | "owner";
export const ROLE_RANK: Record<AccessRole, number> = {
  none: 0,
  freeBusyReader: 1,
  reader: 2,
  writer: 3,
  owner: 4,
};

export interface AclRule {
  id: string;
  scope: { type: "user" | "group" | "domain" | "default"; value?: string };
  role: AccessRole;
}

/** A point in time as the event stores it. All-day moments are local midnight in the calendar's zone. */
export interface Moment {
  ms: number;
  /** All-day: "YYYY-MM-DD". */
  date?: string;
  /** The zone the client gave (echoed back; used to expand recurrences). */
  timeZone?: string;
}

export interface EventRecord {
  id: string;
  iCalUID: string;
  /** Writable fields as stored (start/end/attendees normalised). */
  body: Record<string, unknown>;
  organizerEmail: string;
  organizerCalendarId: string;
  creatorEmail: string;
  created: number;
  updated: number;
  etag: number;
  sequence: number;
  /** Deleted by the organizer: a `cancelled` tombstone everywhere. */
  deleted: boolean;
  start: Moment;
  end: Moment;
  recurringEventId?: string;
  originalStart?: Moment;
  /** Calendars the event appears in. */
  calendarIds: Set<string>;
  /** A Meet createRequest waiting to succeed. */
  conferencePending?: boolean;
}

export class Calendar {
  readonly log = new ChangeLog();
  readonly entries = new Map<string, EventRecord>();
  /** Events removed from this calendar only (an attendee deleted their copy, or was removed). */
  readonly removed = new Set<string>();
  acl: AclRule[] = [];
  /** Bumped to invalidate every sync token of the calendar. */
  epoch = 0;
  /** Stable resourceId of watch channels on this calendar's events. */
  readonly resourceId = randomBytes(20).toString("base64url").slice(0, 27);
  summary: string;
  description = "";
  timeZone: string;
  updated: number;

  constructor(
    readonly id: string,
    readonly orgId: string,
    readonly ownerEmail: string,
    readonly primary: boolean,
    init: { summary: string; timeZone: string; now: number },
  ) {
    this.summary = init.summary;
    this.timeZone = init.timeZone;
    this.updated = init.now;
  }
}

export type ChangeListener = (calendar: Calendar, eventId: string) => void;

export interface OrgCalendars {
  calendars: Map<string, Calendar>;
  /** calendarList subscriptions: user email → calendar ids shown in their list (besides their own). */
  subscriptions: Map<string, Set<string>>;
}

const byOrg = new WeakMap<Org, OrgCalendars>();
const listeners = new WeakMap<SimState, ChangeListener[]>();

export function orgCalendars(org: Org): OrgCalendars {
  let c = byOrg.get(org);
  if (!c) {
    c = { calendars: new Map(), subscriptions: new Map() };
    byOrg.set(org, c);
  }
  return c;
}

export function onCalendarChange(state: SimState, listener: ChangeListener): void {
  const list = listeners.get(state) ?? [];
  list.push(listener);
  listeners.set(state, list);
}

const REGION_ZONES: Record<string, string> = {
  GB: "Europe/London",
  US: "America/Los_Angeles",
  DE: "Europe/Berlin",
  FR: "Europe/Paris",
  IN: "Asia/Kolkata",
  JP: "Asia/Tokyo",
  AU: "Australia/Sydney",
};

export const orgTimeZone = (org: Org) => REGION_ZONES[org.defaultRegion] ?? "UTC";

/** A user's primary calendar (id = primary email), created on first use. */
export function primaryCalendar(org: Org, user: DirectoryUser, now: number): Calendar {
  const cals = orgCalendars(org).calendars;
  let cal = cals.get(user.primaryEmail);
  if (!cal) {
    cal = new Calendar(user.primaryEmail, org.id, user.primaryEmail, true, {
      summary: user.primaryEmail,
      timeZone: orgTimeZone(org),
      now,
    });
    cals.set(cal.id, cal);
  }
  return cal;
}

/** Finds a calendar by id across organisations ("primary" must be resolved by the caller). */
export function findCalendar(state: SimState, id: string): Calendar | undefined {
  const key = id.toLowerCase();
  if (!key.endsWith("@group.calendar.google.com")) {
    const found = state.findUser(key);
    if (!found || found.user.deletionTime !== undefined) return undefined;
    return primaryCalendar(found.org, found.user, state.now());
  }
  for (const org of state.orgs.values()) {
    const cal = byOrg.get(org)?.calendars.get(key);
    if (cal) return cal;
  }
  return undefined;
}

export function createSecondaryCalendar(
  state: SimState,
  org: Org,
  owner: string,
  summary: string,
  timeZone?: string,
): Calendar {
  const id = `c_${randomBytes(16).toString("hex")}@group.calendar.google.com`;
  const cal = new Calendar(id, org.id, owner.toLowerCase(), false, {
    summary,
    timeZone: timeZone ?? orgTimeZone(org),
    now: state.now(),
  });
  orgCalendars(org).calendars.set(id, cal);
  return cal;
}

export interface AclViewer {
  email: string;
  domain: string;
  groups: string[];
}

export function viewerOf(org: Org, user: DirectoryUser): AclViewer {
  return { email: user.primaryEmail, domain: org.domain, groups: org.directory.groupsOf(user.primaryEmail) };
}

/** What `viewer` may do with `calendar`: owner, explicit ACL rules, then the domain default. */
export function accessRole(state: SimState, calendar: Calendar, viewer: AclViewer): AccessRole {
  if (calendar.ownerEmail === viewer.email) return "owner";
  let best: AccessRole = "none";
  const consider = (r: AccessRole) => {
    if (ROLE_RANK[r] > ROLE_RANK[best]) best = r;
  };
  let domainRuled = false;
  for (const rule of calendar.acl) {
    const v = rule.scope.value?.toLowerCase();
    if (rule.scope.type === "default") consider(rule.role);
    else if (rule.scope.type === "user" && v === viewer.email) consider(rule.role);
    else if (rule.scope.type === "group" && v !== undefined && viewer.groups.includes(v)) consider(rule.role);
    else if (rule.scope.type === "domain" && v === viewer.domain) {
      domainRuled = true;
      consider(rule.role);
    }
  }
  const org = state.orgs.get(calendar.orgId);
  if (!domainRuled && org && org.domain === viewer.domain) {
    consider(calendarDomainDefault(state, org));
  }
  return best;
}

const domainDefaults = new WeakMap<Org, AccessRole>();

export function setCalendarDomainDefault(org: Org, role: AccessRole): void {
  domainDefaults.set(org, role);
}

function calendarDomainDefault(state: SimState, org: Org): AccessRole {
  return domainDefaults.get(org) ?? calendarSettings(state).domainDefaultRole;
}

let etagCounter = 0;
export const nextEtag = () => 3_400_000_000_000_000 + ++etagCounter * 1000 + Math.floor(Math.random() * 1000);

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
export function newEventId(): string {
  const bytes = randomBytes(26);
  let out = "";
  for (const b of bytes) out += BASE32HEX[b % 32];
  return out;
}

/** Appends the change to every calendar the event is in and tells listeners (watch channels). */
export function touch(state: SimState, record: EventRecord, extraCalendars: Calendar[] = []): void {
  const now = state.now();
  const cals = new Set<Calendar>(extraCalendars);
  for (const id of record.calendarIds) {
    const cal = findCalendar(state, id);
    if (cal) cals.add(cal);
  }
  for (const cal of cals) {
    cal.log.append(record.id, now);
    cal.updated = now;
    for (const l of listeners.get(state) ?? []) l(cal, record.id);
  }
}
