// Applies a calendar seed and generates the demo week: daily stand-ups (recurring), weekly 1:1s, a
// customer call with a Meet link, a private appointment, an out-of-office day, focus time, a working
// location, a meeting in progress "now" and one cancelled occurrence, all relative to the sim clock.
import type { DirectoryUser } from "../directory/directory-store";
import type { Org, SimState } from "../state";
import { calendarControl } from "./control";
import { orgTimeZone, primaryCalendar, setCalendarDomainDefault } from "./model";
import { type CalendarSeed, CalendarSeedSchema } from "./seed-schema";
import { dayNumber, formatDate, fromDayNumber, localParts, weekday, zonedToUtc } from "./tz";

export function applyCalendarSeed(state: SimState, org: Org, input: CalendarSeed): number {
  const seed = CalendarSeedSchema.parse(input);
  const control = calendarControl(state);
  const now = state.now();
  const users = liveUsers(org);
  if (seed.timeZone) for (const u of users) primaryCalendar(org, u, now).timeZone = seed.timeZone;
  if (seed.domainDefaultRole) setCalendarDomainDefault(org, seed.domainDefaultRole);
  const bySummary = new Map<string, string>();
  for (const c of seed.calendars) {
    const { id } = control.createCalendar(c.owner, {
      summary: c.summary,
      ...(c.timeZone ? { timeZone: c.timeZone } : {}),
      ...(c.description ? { description: c.description } : {}),
    });
    bySummary.set(c.summary, id);
  }
  for (const s of seed.shares) {
    control.share(bySummary.get(s.calendar) ?? s.calendar, {
      type: s.type,
      ...(s.value ? { value: s.value } : {}),
      role: s.role,
    });
  }
  let created = 0;
  for (const e of seed.events) {
    const calendarId = e.calendar ? (bySummary.get(e.calendar) ?? e.calendar) : undefined;
    control.createEvent(e.user, e.event, calendarId ? { calendarId } : {});
    created++;
  }
  if (seed.demoWeek) created += generateDemoWeek(state, org, seed.timeZone);
  return created;
}

function liveUsers(org: Org): DirectoryUser[] {
  return [...org.directory.users.values()]
    .filter((u) => u.deletionTime === undefined && !u.suspended)
    .sort((a, b) => (a.primaryEmail < b.primaryEmail ? -1 : 1));
}

/** Creates the demo week for the org's active users; returns the number of events created. */
export function generateDemoWeek(state: SimState, org: Org, zone?: string): number {
  const control = calendarControl(state);
  const tz = zone ?? orgTimeZone(org);
  const users = liveUsers(org);
  if (users.length === 0) return 0;
  const now = state.now();
  const today = localParts(now, tz);
  const todayNum = dayNumber(today);
  const monday = todayNum - ((weekday(today) + 6) % 7);
  const at = (day: number, hour: number, minute = 0) => {
    const d = fromDayNumber(day);
    return {
      dateTime: `${formatDate(d)}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00`,
      timeZone: tz,
    };
  };
  const span = (day: number, h: number, m: number, minutes: number) => {
    const startMs = zonedToUtc({ ...fromDayNumber(day), hour: h, minute: m, second: 0 }, tz);
    const end = localParts(startMs + minutes * 60_000, tz);
    return {
      start: at(day, h, m),
      end: {
        dateTime: `${formatDate(end)}T${String(end.hour).padStart(2, "0")}:${String(end.minute).padStart(2, "0")}:00`,
        timeZone: tz,
      },
    };
  };
  let n = 0;
  const create = (user: DirectoryUser, event: Record<string, unknown>) => {
    const made = control.createEvent(user.primaryEmail, event);
    n++;
    return made;
  };
  const admin = users.find((u) => u.isAdmin) ?? users[0]!;
  const others = users.filter((u) => u !== admin);

  // Daily stand-up for everyone, organised by the admin; the Wednesday occurrence is cancelled.
  const standup = create(admin, {
    summary: "Daily stand-up",
    ...span(monday, 9, 30, 15),
    recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=15"],
    attendees: users.map((u) => ({
      email: u.primaryEmail,
      responseStatus: u === admin ? "accepted" : "accepted",
    })),
    conferenceData: {
      createRequest: { requestId: `standup-${org.id}`, conferenceSolutionKey: { type: "hangoutsMeet" } },
    },
  });
  const wednesdayStart = zonedToUtc({ ...fromDayNumber(monday + 2), hour: 9, minute: 30, second: 0 }, tz);
  const stamp = new Date(wednesdayStart)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  control.cancelEvent(admin.primaryEmail, `${standup.id}_${stamp}`);

  // Weekly 1:1s between the admin and each colleague.
  others.forEach((u, i) => {
    create(admin, {
      summary: `1:1 ${admin.givenName} / ${u.givenName}`,
      ...span(monday + (i % 5), 14 + (i % 3), 0, 30),
      recurrence: ["RRULE:FREQ=WEEKLY"],
      attendees: [
        { email: admin.primaryEmail },
        { email: u.primaryEmail, responseStatus: i % 4 === 3 ? "tentative" : "accepted" },
      ],
    });
  });

  // A meeting in progress right now for the first two users, so presence shows someone busy.
  const nowLocal = localParts(now, tz);
  const inProgress = span(todayNum, nowLocal.hour, 0, 60);
  create(users[0]!, {
    summary: "Pipeline review",
    ...inProgress,
    attendees: users.slice(0, 2).map((u) => ({ email: u.primaryEmail, responseStatus: "accepted" })),
  });

  users.forEach((u, i) => {
    const contact = [...state.contactsOf(u.id).live()]
      .flatMap((c) => (c.data.emailAddresses ?? []).map((e) => String(e.value ?? "")))
      .find((e) => e.includes("@"));
    if (contact) {
      create(u, {
        summary: `Call with ${contact.split("@")[1]?.split(".")[0] ?? "customer"}`,
        description: "Agenda: renewal, open tickets, next steps.",
        ...span(monday + 1 + (i % 3), 11, 0, 45),
        attendees: [{ email: u.primaryEmail }, { email: contact }],
        conferenceData: {
          createRequest: { requestId: `call-${u.id}`, conferenceSolutionKey: { type: "hangoutsMeet" } },
        },
      });
    }
    if (i % 3 === 0) {
      create(u, { summary: "Dentist", ...span(monday + 3, 8, 0, 60), visibility: "private" });
    }
    if (i % 3 === 1) {
      create(u, {
        summary: "Focus time",
        eventType: "focusTime",
        ...span(monday + (i % 5), 10, 0, 120),
        focusTimeProperties: {
          autoDeclineMode: "declineOnlyNewConflictingInvitations",
          chatStatus: "doNotDisturb",
        },
      });
    }
    if (i === users.length - 1 && users.length > 1) {
      create(u, {
        summary: "Out of office",
        eventType: "outOfOffice",
        start: at(monday + 4, 0),
        end: at(monday + 5, 0),
        outOfOfficeProperties: {
          autoDeclineMode: "declineAllConflictingInvitations",
          declineMessage: "On leave, back Monday.",
        },
      });
    }
    create(u, {
      eventType: "workingLocation",
      summary: i % 2 === 0 ? "Office" : "Home",
      start: { date: formatDate(fromDayNumber(monday)) },
      end: { date: formatDate(fromDayNumber(monday + 1)) },
      recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5"],
      visibility: "public",
      transparency: "transparent",
      workingLocationProperties:
        i % 2 === 0
          ? { type: "officeLocation", officeLocation: { label: "HQ" } }
          : { type: "homeOffice", homeOffice: {} },
    });
  });
  return n;
}
