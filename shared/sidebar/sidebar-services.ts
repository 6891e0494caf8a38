// The sidebar capability's services: Google ports per user (tokens from the vault), the cache, the
// meeting details use case and the routes' dependencies, from a few ports (tests pass emulator- and
// simulator-backed ones). What it needs of contacts and presence comes in as their named query ports.
import type { Firestore } from "@google-cloud/firestore";
import type { ContactEmailsQuery } from "../contacts";
import { googleCalendarApi } from "../google/calendar-api";
import { googleCalendarEventsApi } from "../google/calendar-events-api";
import { googleDriveApi } from "../google/drive-api";
import { gmailApi } from "../google/gmail-api";
import { perUserPartsGates } from "../google/gmail-pacing";
import { userAuthClient } from "../google/google-client-options";
import type { RetryOptions } from "../google/retry";
import type { AccessTokenProvider } from "../identity";
import { AppError } from "../platform/errors";
import type { Route } from "../platform/http";
import type { Logger } from "../platform/logger";
import {
  type ContactContextDeps,
  type ContactContextService,
  contactContextService,
  type SidebarViewer,
} from "./contact-context";
import { firestoreDialInRepository } from "./dial-in-settings";
import { firestoreMeetingRooms, meetingDetails } from "./meeting-details";
import { firestoreSidebarCache, type SidebarCache } from "./sidebar-cache";
import { type SidebarRouteDeps, sidebarRoutes } from "./sidebar-routes";

export interface SidebarDeps {
  firestore: () => Firestore;
  tokens: () => AccessTokenProvider;
  /** GOOGLE_API_ROOT_URL. */
  apiRootUrl: string;
  /** WEB_CLIENT_ORIGIN; undefined = meeting details answer not_ready. */
  webOrigin: string | undefined;
  /** A contact's emails (contacts' query port): whose mail, docs and events the sidebar shows. */
  contactEmails: ContactEmailsQuery;
  /** The org's phone region (dial-in numbers of that country first). */
  countryOf: (orgId: string) => Promise<string>;
  clock?: () => Date;
  log?: Logger;
  /** The contact's current meeting (presence); omitted = never shown. */
  currentMeeting?: ContactContextDeps["currentMeeting"];
  gmailMode?: "batch" | "parallel";
  /** Google retries (default SIDEBAR_RETRY). */
  retry?: RetryOptions;
  timeoutMs?: number;
  freshMs?: number;
  staleMs?: number;
  /** Wraps the Firestore cache (the bench counts its reads and writes). */
  wrapCache?: (cache: SidebarCache) => SidebarCache;
}

/** Interactive: one quick retry of a transient error, never a long backoff (the cache covers throttling). */
export const SIDEBAR_RETRY: RetryOptions = {
  maxAttempts: 2,
  baseDelayMs: 100,
  maxDelayMs: 300,
  budgetMs: 1000,
};

export interface SidebarServices {
  cache(): SidebarCache;
  context(): ContactContextService;
  routeDeps(): SidebarRouteDeps;
}

export function sidebarServices(deps: SidebarDeps): SidebarServices {
  const once = <T>(make: () => T) => {
    let v: { v: T } | undefined;
    return () => {
      v ??= { v: make() };
      return v.v;
    };
  };
  const target = { rootUrl: deps.apiRootUrl };
  const retry = { retry: deps.retry ?? SIDEBAR_RETRY };
  const cache = once(() => {
    const firestoreCache = firestoreSidebarCache(deps.firestore, deps.clock);
    return deps.wrapCache ? deps.wrapCache(firestoreCache) : firestoreCache;
  });
  // Several sidebars opened at once by one user queue here rather than at Google's concurrency limit.
  const gmailGates = perUserPartsGates();
  const context = once(() =>
    contactContextService({
      gmailFor: (u: SidebarViewer) =>
        gmailApi(target, () => deps.tokens().getAccessToken(u, "gmail"), {
          ...retry,
          mode: deps.gmailMode ?? "batch",
          gate: gmailGates(`${u.orgId}/${u.userId}`),
          tokenRefused: (token, again) => deps.tokens().tokenRefused(u, "gmail", token, again),
        }),
      driveFor: (u) => googleDriveApi(target, userAuthClient(deps.tokens(), u, "drive"), retry),
      calendarFor: (u) => googleCalendarApi(target, userAuthClient(deps.tokens(), u, "calendar"), retry),
      cache: cache(),
      ...(deps.currentMeeting ? { currentMeeting: deps.currentMeeting } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.log ? { log: deps.log } : {}),
      ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
      ...(deps.freshMs ? { freshMs: deps.freshMs } : {}),
      ...(deps.staleMs ? { staleMs: deps.staleMs } : {}),
    }),
  );
  const webOrigin = () => {
    if (!deps.webOrigin) throw new AppError("not_ready", "WEB_CLIENT_ORIGIN is not configured");
    return deps.webOrigin;
  };
  const rooms = once(() => firestoreMeetingRooms(deps.firestore));
  const dialIn = once(() => firestoreDialInRepository(deps.firestore, deps.clock));
  const routeDeps = once(
    (): SidebarRouteDeps => ({
      context: context(),
      contactEmails: deps.contactEmails,
      meetings: meetingDetails({
        eventsFor: (u) =>
          googleCalendarEventsApi(target, userAuthClient(deps.tokens(), u, "calendar"), retry),
        rooms: rooms(),
        dialIn: dialIn(),
        countryOf: deps.countryOf,
        webOrigin,
        ...(deps.clock ? { clock: deps.clock } : {}),
      }),
      rooms: rooms(),
      dialIn: dialIn(),
      webOrigin,
    }),
  );
  return { cache, context, routeDeps };
}

/** The api function's sidebar routes; adapters are built on the first request. */
export function apiSidebarRoutes(services: () => SidebarServices): Route[] {
  const lazy = <T extends object>(make: () => T): T =>
    new Proxy({} as T, { get: (_, key) => (make() as Record<string | symbol, unknown>)[key] });
  const d = lazy(() => services().routeDeps());
  return sidebarRoutes({
    context: lazy(() => services().context()),
    contactEmails: (u, id) => d.contactEmails(u, id),
    meetings: lazy(() => services().routeDeps().meetings),
    rooms: lazy(() => services().routeDeps().rooms),
    dialIn: lazy(() => services().routeDeps().dialIn),
    webOrigin: () => d.webOrigin(),
  });
}
