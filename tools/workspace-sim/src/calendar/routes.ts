// The www.googleapis.com/calendar/v3 surface. Every call is charged against the per-user quota
// (Google: 600 requests per minute per user) before it runs.
import type { ApiContext, ApiRoute } from "../api";
import { ApiError } from "../errors";
import type { Router } from "../router";
import {
  deleteEventApi,
  getCalendar,
  getEvent,
  insertEventApi,
  listCalendarList,
  listEvents,
  listInstances,
  modifyEventApi,
} from "./events-api";
import { queryFreeBusy } from "./freebusy";
import { calendarSettings } from "./settings";
import { stopChannel, watchEvents } from "./watch-api";

const G = "https://www.googleapis.com/auth/";

export const CALENDAR_SCOPES = {
  calendar: `${G}calendar`,
  readonly: `${G}calendar.readonly`,
  events: `${G}calendar.events`,
  eventsReadonly: `${G}calendar.events.readonly`,
  eventsOwned: `${G}calendar.events.owned`,
  eventsOwnedReadonly: `${G}calendar.events.owned.readonly`,
  freebusy: `${G}calendar.freebusy`,
  eventsFreebusy: `${G}calendar.events.freebusy`,
  calendarList: `${G}calendar.calendarlist`,
  calendarListReadonly: `${G}calendar.calendarlist.readonly`,
  calendarsReadonly: `${G}calendar.calendars.readonly`,
} as const;

const S = CALENDAR_SCOPES;
const EVENTS_READ = [
  S.calendar,
  S.readonly,
  S.events,
  S.eventsReadonly,
  S.eventsOwned,
  S.eventsOwnedReadonly,
];
const EVENTS_WRITE = [S.calendar, S.events, S.eventsOwned];
const FREEBUSY = [S.calendar, S.readonly, S.freebusy, S.eventsFreebusy];
const LIST = [S.calendar, S.readonly, S.calendarList, S.calendarListReadonly];
const CALENDARS = [S.calendar, S.readonly, S.calendarsReadonly];
const ANY = Object.values(S);

export function chargeCalendar(ctx: ApiContext): void {
  const { state } = ctx;
  const settings = calendarSettings(state);
  const who = ctx.caller?.user?.id ?? ctx.caller?.token.serviceAccount ?? "anonymous";
  if (state.quotas.tryCharge(`${who}|calendar`, 1, settings.requestsPerUserPerMinute, state.now())) return;
  if (settings.rateLimitStatus === 429) {
    throw new ApiError({
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      message: "Rate Limit Exceeded",
      reason: "rateLimitExceeded",
      domain: "usageLimits",
      infoReason: "RATE_LIMIT_EXCEEDED",
      infoMetadata: { service: "calendar-json.googleapis.com", quota_limit: "defaultPerMinutePerUser" },
    });
  }
  throw new ApiError({
    code: 403,
    status: "PERMISSION_DENIED",
    message: "Calendar usage limits exceeded.",
    reason: "userRateLimitExceeded",
    domain: "usageLimits",
    infoReason: "RATE_LIMIT_EXCEEDED",
    infoMetadata: { service: "calendar-json.googleapis.com", quota_limit: "defaultPerMinutePerUser" },
  });
}

const calendar = (method: string, scopes: readonly string[], handle: ApiRoute["handle"]): ApiRoute => ({
  api: "calendar",
  method,
  service: "calendar-json.googleapis.com",
  auth: true,
  scopes,
  handle: (ctx) => {
    chargeCalendar(ctx);
    return handle(ctx);
  },
});

const B = "^/calendar/v3";
const CAL = "calendars/(?<calendarId>[^/]+)";
const EV = "(?<eventId>[^/]+)";

export function registerCalendarRoutes(router: Router<ApiRoute>): void {
  router
    .add(
      "GET",
      new RegExp(`${B}/users/me/calendarList$`),
      calendar("calendar.calendarList.list", LIST, listCalendarList),
    )
    .add("POST", new RegExp(`${B}/freeBusy$`), calendar("calendar.freebusy.query", FREEBUSY, queryFreeBusy))
    .add("POST", new RegExp(`${B}/channels/stop$`), calendar("calendar.channels.stop", ANY, stopChannel))
    .add(
      "POST",
      new RegExp(`${B}/${CAL}/events/watch$`),
      calendar("calendar.events.watch", EVENTS_READ, watchEvents),
    )
    .add("GET", new RegExp(`${B}/${CAL}/events$`), calendar("calendar.events.list", EVENTS_READ, listEvents))
    .add(
      "POST",
      new RegExp(`${B}/${CAL}/events$`),
      calendar("calendar.events.insert", EVENTS_WRITE, insertEventApi),
    )
    .add(
      "GET",
      new RegExp(`${B}/${CAL}/events/${EV}/instances$`),
      calendar("calendar.events.instances", EVENTS_READ, listInstances),
    )
    .add(
      "GET",
      new RegExp(`${B}/${CAL}/events/${EV}$`),
      calendar("calendar.events.get", EVENTS_READ, getEvent),
    )
    .add(
      "PATCH",
      new RegExp(`${B}/${CAL}/events/${EV}$`),
      calendar("calendar.events.patch", EVENTS_WRITE, modifyEventApi("patch")),
    )
    .add(
      "PUT",
      new RegExp(`${B}/${CAL}/events/${EV}$`),
      calendar("calendar.events.update", EVENTS_WRITE, modifyEventApi("update")),
    )
    .add(
      "DELETE",
      new RegExp(`${B}/${CAL}/events/${EV}$`),
      calendar("calendar.events.delete", EVENTS_WRITE, deleteEventApi),
    )
    .add("GET", new RegExp(`${B}/${CAL}$`), calendar("calendar.calendars.get", CALENDARS, getCalendar));
}
