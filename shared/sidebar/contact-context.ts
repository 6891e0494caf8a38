// The contact sidebar use case: for one contact email, the shared emails, documents and events, each
// from its own source, in parallel, each with its own timeout and state. One source failing, slow or
// disconnected never blanks the others. A per-user, per-contact cache serves reopenings without any
// Google call (fresh), serves stale data while revalidating in the background, and stands in when
// Google throttles (429 → cached data, flagged).
import type { CalendarApi } from "../google/calendar-api";
import type { DriveApi } from "../google/drive-api";
import type { GmailApi } from "../google/gmail-api";
import { isRateLimited } from "../google/google-errors";
import { isAppError } from "../platform/errors";
import type { Logger } from "../platform/logger";
import {
  type DocItem,
  type EventItem,
  loadDocs,
  loadEvents,
  loadMail,
  type MailItem,
  type SectionData,
  SOURCES,
  type Source,
} from "./sections";
import type { CachedSections, SidebarCache } from "./sidebar-cache";

export type SectionState = "ok" | "not_connected" | "needs_reauth" | "email_required" | "error";

export interface SectionView<T> {
  state: SectionState;
  items: T[];
  viewAllUrl: string | null;
  /** ISO instant the items were fetched from Google; null when there are none. */
  fetchedAt: string | null;
  /** Served from the cache past its freshness (a refresh is under way, or Google throttled us). */
  stale: boolean;
  /** Google answered 429 / rate limit: the items are the last cached ones. */
  rateLimited?: true;
  /** Google kept refusing part of the request: these items are what came back (not cached). */
  partial?: true;
  /** error only: timeout, or what failed (no Google internals). */
  reason?: "timeout" | "rate_limited" | "upstream";
  current?: { title: string; until: string | null } | null;
}

export interface ContactContext {
  email: string | null;
  emails: SectionView<MailItem>;
  documents: SectionView<DocItem>;
  events: SectionView<EventItem>;
}

export interface SidebarViewer {
  orgId: string;
  userId: string;
  email: string;
}

export interface ContactContextDeps {
  gmailFor(user: SidebarViewer): GmailApi;
  driveFor(user: SidebarViewer): DriveApi;
  calendarFor(user: SidebarViewer): CalendarApi;
  /** The contact's current meeting title, only when presence rules allow (same org, public event). */
  currentMeeting?(
    viewer: SidebarViewer,
    email: string,
  ): Promise<{ title: string; until: string | null } | null>;
  cache: SidebarCache;
  clock?: () => Date;
  log?: Logger;
  /** Per-source timeout (default 4 s). */
  timeoutMs?: number;
  /** Served from the cache without a Google call (default 2 min). */
  freshMs?: number;
  /** Served from the cache while refreshing in the background (default 30 min). */
  staleMs?: number;
  /** Time zone when the viewer's calendar is not readable. */
  defaultTimeZone?: string;
}

export interface ContactContextService {
  forEmail(viewer: SidebarViewer, email: string | null | undefined): Promise<ContactContext>;
  /** Waits for every fetch still running: background refreshes and those a caller gave up on. */
  settled(): Promise<void>;
}

class Timeout extends Error {}

const SECTION_KEY = { gmail: "emails", drive: "documents", calendar: "events" } as const;

function classify(error: unknown): Pick<SectionView<never>, "state" | "reason"> & { rateLimited: boolean } {
  if (error instanceof Timeout) return { state: "error", reason: "timeout", rateLimited: false };
  if (isAppError(error) && error.code === "precondition_failed") {
    const reason = error.details?.reason;
    if (reason === "not_connected") return { state: "not_connected", rateLimited: false };
    if (reason === "needs_reauth") return { state: "needs_reauth", rateLimited: false };
  }
  const limited = isRateLimited(isAppError(error) && error.cause ? error.cause : error);
  return limited
    ? { state: "error", reason: "rate_limited", rateLimited: true }
    : { state: "error", reason: "upstream", rateLimited: false };
}

export function contactContextService(deps: ContactContextDeps): ContactContextService {
  const clock = deps.clock ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? 4000;
  const freshMs = deps.freshMs ?? 120_000;
  const staleMs = deps.staleMs ?? 30 * 60_000;
  const inFlight = new Map<string, Promise<SectionData<unknown>>>();
  const running = new Set<Promise<unknown>>();

  const fetchSection = (
    viewer: SidebarViewer,
    email: string,
    source: Source,
  ): Promise<SectionData<unknown>> =>
    source === "gmail"
      ? loadMail(deps.gmailFor(viewer), email)
      : source === "drive"
        ? loadDocs(deps.driveFor(viewer), email)
        : loadEvents(deps.calendarFor(viewer), email, clock(), deps.defaultTimeZone ?? "UTC");

  const load = (viewer: SidebarViewer, email: string, source: Source): Promise<SectionData<unknown>> => {
    const key = `${viewer.orgId}/${viewer.userId}/${email}/${source}`;
    const existing = inFlight.get(key);
    if (existing) return existing;
    const run = (async () => {
      // Read alongside the fetch: a disconnect after this point keeps the answer out of the cache.
      const generation = deps.cache.generation(viewer, source).catch((error) => {
        deps.log?.warn("sidebar.cache_read_failed", { error });
        return null;
      });
      let data: SectionData<unknown>;
      try {
        data = await fetchSection(viewer, email, source);
      } catch (error) {
        // Google says the source is gone (disconnected elsewhere): its cached data goes with it.
        if (classify(error).state === "not_connected") {
          await deps.cache
            .drop(viewer, email, source)
            .catch((dropError) => deps.log?.warn("sidebar.cache_write_failed", { error: dropError }));
        }
        throw error;
      }
      const { current: _current, ...cacheable } = data;
      const asOf = await generation;
      // Even a caller who timed out leaves the answer in the cache for the next opening. A cache that
      // cannot be written is only a slower next opening. A partial answer is shown, never cached.
      if (asOf !== null && !data.partial) {
        await deps.cache
          .write(viewer, email, source, { data: cacheable, fetchedAt: clock().getTime() }, asOf)
          .catch((error) => deps.log?.warn("sidebar.cache_write_failed", { error }));
      }
      return data;
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, run);
    // A caller may stop waiting (timeout, stale answer) while the fetch goes on: settled() covers it.
    const tracked = run.catch(() => {});
    running.add(tracked);
    void tracked.finally(() => running.delete(tracked));
    return run;
  };

  const withTimeout = <T>(p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout()), timeoutMs);
    });
    return Promise.race([p, limit]).finally(() => clearTimeout(timer));
  };

  const fromCache = (c: NonNullable<CachedSections[Source]>, stale: boolean): SectionView<unknown> => ({
    state: "ok",
    items: c.data.items,
    viewAllUrl: c.data.viewAllUrl,
    fetchedAt: new Date(c.fetchedAt).toISOString(),
    stale,
  });

  async function section(
    viewer: SidebarViewer,
    email: string,
    source: Source,
    cached: CachedSections,
  ): Promise<SectionView<unknown>> {
    const hit = cached[source];
    const age = hit ? clock().getTime() - hit.fetchedAt : Number.POSITIVE_INFINITY;
    if (hit && age < freshMs) return fromCache(hit, false);
    if (hit && age < staleMs) {
      void load(viewer, email, source).catch((error) =>
        deps.log?.warn("sidebar.revalidate_failed", { source, error }),
      );
      return fromCache(hit, true);
    }
    const started = load(viewer, email, source);
    started.catch(() => {}); // a timed-out load may still fail later: not an unhandled rejection
    try {
      const data = await withTimeout(started);
      return {
        state: "ok",
        items: data.items,
        viewAllUrl: data.viewAllUrl,
        fetchedAt: clock().toISOString(),
        stale: false,
        ...(data.partial ? { partial: true as const } : {}),
      };
    } catch (error) {
      const { state, reason, rateLimited } = classify(error);
      if (state === "error") deps.log?.warn("sidebar.source_failed", { source, reason, error });
      if (rateLimited && hit) return { ...fromCache(hit, true), rateLimited: true };
      return {
        state,
        items: [],
        viewAllUrl: null,
        fetchedAt: null,
        stale: false,
        ...(rateLimited ? { rateLimited: true as const } : {}),
        ...(reason ? { reason } : {}),
      };
    }
  }

  const empty = (state: SectionState): SectionView<never> => ({
    state,
    items: [],
    viewAllUrl: null,
    fetchedAt: null,
    stale: false,
  });

  return {
    async forEmail(viewer, rawEmail) {
      const email = rawEmail?.trim().toLowerCase() || null;
      if (!email) {
        return {
          email: null,
          emails: empty("email_required"),
          documents: empty("email_required"),
          events: empty("email_required"),
        };
      }
      const cached = await deps.cache.read(viewer, email).catch((error) => {
        deps.log?.warn("sidebar.cache_read_failed", { error });
        return {} as CachedSections;
      });
      const [sections, current] = await Promise.all([
        Promise.all(SOURCES.map((s) => section(viewer, email, s, cached))),
        deps.currentMeeting
          ? withTimeout(deps.currentMeeting(viewer, email)).catch(() => null)
          : Promise.resolve(null),
      ]);
      const out = Object.fromEntries(SOURCES.map((s, i) => [SECTION_KEY[s], sections[i]])) as Omit<
        ContactContext,
        "email"
      >;
      if (out.events.state === "ok") out.events.current = current;
      return { email, ...out };
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
