// HTTP mapping of the Calendar, Gmail and Drive control APIs under /_sim/calendar, /_sim/gmail and
// /_sim/drive (registered into core's control router).
import type { DriveControl, NewFile, ShareInput } from "../drive/control";
import type { GmailControl } from "../gmail/control";
import type { Router } from "../router";
import type { CalendarControl, SpoofOptions } from "./control";
import type { AccessRole, AclRule } from "./model";
import type { NotificationFault } from "./push";
import type { CalendarSettings } from "./settings";

type Body = Record<string, unknown>;
export type ControlHandler = (p: Record<string, string>, body: Body, url: URL) => unknown | Promise<unknown>;

export interface Part2Controls {
  calendar: CalendarControl;
  gmail: GmailControl;
  drive: DriveControl;
}

export function registerPart2ControlRoutes(router: Router<ControlHandler>, controls: Part2Controls): void {
  const { calendar, gmail, drive } = controls;
  const CU = "^/_sim/calendar/users/(?<email>[^/]+)";
  const opt = (url: URL) => {
    const calendarId = url.searchParams.get("calendarId");
    return calendarId ? { calendarId } : {};
  };
  router
    .add("GET", /^\/_sim\/calendar\/settings$/, () => calendar.settings())
    .add("PATCH", /^\/_sim\/calendar\/settings$/, (_p, b) =>
      calendar.configure(b as Partial<CalendarSettings>),
    )
    .add("GET", new RegExp(`${CU}/events$`), (p, _b, url) => calendar.events(p.email!, opt(url)))
    .add("POST", new RegExp(`${CU}/events$`), (p, b, url) => calendar.createEvent(p.email!, b, opt(url)))
    .add("PATCH", new RegExp(`${CU}/events/(?<id>[^/]+)$`), (p, b, url) =>
      calendar.updateEvent(p.email!, p.id!, b, opt(url)),
    )
    .add("POST", new RegExp(`${CU}/events/(?<id>[^/]+)/move$`), (p, b, url) =>
      calendar.moveEvent(
        p.email!,
        p.id!,
        { start: String(b.start), ...(b.end ? { end: String(b.end) } : {}) },
        opt(url),
      ),
    )
    .add("POST", new RegExp(`${CU}/events/(?<id>[^/]+)/respond$`), (p, b) =>
      calendar.respond(
        p.email!,
        p.id!,
        String(b.responseStatus) as "accepted" | "declined" | "tentative" | "needsAction",
      ),
    )
    .add("POST", new RegExp(`${CU}/events/(?<id>[^/]+)/cancel$`), (p, _b, url) =>
      calendar.cancelEvent(p.email!, p.id!, opt(url)),
    )
    .add("POST", new RegExp(`${CU}/calendars$`), (p, b) =>
      calendar.createCalendar(p.email!, b as { summary: string; timeZone?: string; description?: string }),
    )
    .add("POST", new RegExp(`${CU}/subscribe$`), (p, b) => calendar.subscribe(p.email!, String(b.calendarId)))
    .add("POST", new RegExp(`${CU}/invalidate-sync-tokens$`), (p) => calendar.invalidateSyncTokens(p.email!))
    .add("POST", /^\/_sim\/calendar\/calendars\/(?<id>[^/]+)\/acl$/, (p, b) =>
      calendar.share(p.id!, b as { type: AclRule["scope"]["type"]; value?: string; role: AccessRole }),
    )
    .add("POST", /^\/_sim\/calendar\/domains\/(?<domain>[^/]+)\/default-sharing$/, (p, b) =>
      calendar.setDomainDefault(p.domain!, String(b.role) as AccessRole),
    )
    .add("GET", /^\/_sim\/calendar\/channels$/, () => calendar.channels())
    .add("GET", /^\/_sim\/calendar\/notifications$/, (_p, _b, url) => {
      const channelId = url.searchParams.get("channelId");
      return calendar.notifications(channelId ? { channelId } : {});
    })
    .add("DELETE", /^\/_sim\/calendar\/notifications$/, () => calendar.clearNotifications())
    .add("POST", /^\/_sim\/calendar\/notification-faults$/, (_p, b) => ({
      id: calendar.injectNotificationFault(b as unknown as NotificationFault),
    }))
    .add("DELETE", /^\/_sim\/calendar\/notification-faults$/, () => calendar.clearNotificationFaults())
    .add("DELETE", /^\/_sim\/calendar\/notification-faults\/(?<id>\d+)$/, (p) =>
      calendar.removeNotificationFault(Number(p.id)),
    )
    .add("POST", /^\/_sim\/calendar\/spoof-notification$/, (_p, b) =>
      calendar.spoofNotification(b as SpoofOptions),
    )
    .add("PATCH", /^\/_sim\/gmail\/settings$/, (_p, b) => gmail.configure(b))
    .add("POST", /^\/_sim\/gmail\/send$/, (_p, b) =>
      gmail.sendEmail(b as unknown as Parameters<GmailControl["sendEmail"]>[0]),
    )
    .add("GET", /^\/_sim\/gmail\/users\/(?<email>[^/]+)\/messages$/, (p) => gmail.messages(p.email!))
    .add("POST", /^\/_sim\/gmail\/domains\/(?<domain>[^/]+)\/history$/, (p, b) =>
      gmail.seedMailHistory(p.domain!, b),
    )
    .add("PATCH", /^\/_sim\/drive\/settings$/, (_p, b) => drive.configure(b))
    .add("POST", /^\/_sim\/drive\/files$/, (_p, b) => drive.createFile(b as unknown as NewFile))
    .add("POST", /^\/_sim\/drive\/files\/(?<id>[^/]+)\/share$/, (p, b) =>
      drive.share(p.id!, b as unknown as ShareInput),
    )
    .add("POST", /^\/_sim\/drive\/files\/(?<id>[^/]+)\/unshare$/, (p, b) => drive.unshare(p.id!, b))
    .add("POST", /^\/_sim\/drive\/files\/(?<id>[^/]+)\/edit$/, (p, b) =>
      drive.editFile(p.id!, String(b.by), b as { name?: string; description?: string }),
    )
    .add("POST", /^\/_sim\/drive\/files\/(?<id>[^/]+)\/trash$/, (p, b) =>
      drive.trashFile(p.id!, b.trashed !== false),
    )
    .add("GET", /^\/_sim\/drive\/users\/(?<email>[^/]+)\/files$/, (p) => drive.files(p.email!));
}
