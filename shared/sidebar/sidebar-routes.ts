// Sidebar and meeting-details routes (api function):
//  GET    /v1/contacts/:id/context              the sidebar for a stored contact (its first email)
//  GET    /v1/sidebar/context?email=            the sidebar for any email address (not under /v1/contacts/,
//                                               where GET /v1/contacts/:id would take "context" for an id)
//  POST   /v1/calendar/events/:eventId/meeting  add or update meeting details (?calendarId=, default primary)
//  DELETE /v1/calendar/events/:eventId/meeting  remove them, restoring the description
//  GET    /v1/meetings/:room                    302 to the web client's join page (public: invitees click it)
//  GET|PUT /v1/admin/meetings/dial-in           the org's international dial-in numbers

import { z } from "zod";
import { AppError } from "../platform/errors";
import { principalOf, type Route, route } from "../platform/http";
import type { ContactContextService } from "./contact-context";
import { DialInSettings } from "./dial-in";
import type { DialInRepository } from "./dial-in-settings";
import { joinUrlOf, type MeetingDetails, type MeetingRooms, ROOM_ID } from "./meeting-details";
import { ContactContextAnswer, MeetingAdded, MeetingRemoved } from "./sidebar-answers";

type ContactContextBody = z.infer<typeof ContactContextAnswer>;

export interface SidebarRouteDeps {
  context: ContactContextService;
  /** The stored contact's emails, or undefined when there is no such contact. */
  contactEmails(user: { orgId: string; userId: string }, contactId: string): Promise<string[] | undefined>;
  meetings: MeetingDetails;
  rooms: MeetingRooms;
  dialIn: DialInRepository;
  webOrigin(): string;
}

const ContactId = z.string().regex(/^[\w-]{1,200}$/);
const EventId = z.string().regex(/^[\w-]{1,1024}$/);
const CalendarId = z
  .string()
  .min(1)
  .max(320)
  .regex(/^[^/\s]+$/);
const Email = z.email();

const CALENDAR_QUERY = {
  calendarId: { description: "the event's calendar (default primary)", maxLength: 320 },
} satisfies Route["query"];
const calendarIdOf = (query: URLSearchParams) => {
  const raw = query.get("calendarId");
  if (raw === null || raw === "") return "primary";
  const parsed = CalendarId.safeParse(raw);
  if (!parsed.success) throw new AppError("invalid_request", "calendarId is not a calendar id");
  return parsed.data;
};
const eventIdOf = (params: Record<string, string>) => {
  const parsed = EventId.safeParse(params.eventId);
  if (!parsed.success) throw new AppError("not_found", "No such event");
  return parsed.data;
};

export function sidebarRoutes(deps: SidebarRouteDeps): Route[] {
  return [
    route({
      method: "GET",
      path: "/v1/contacts/:id/context",
      access: "user",
      summary: "Contact sidebar: shared emails, documents and events, each with its own state",
      success: {
        status: 200,
        description:
          "{ email, emails, documents, events }: each { state, items, viewAllUrl, fetchedAt, stale }",
        schema: ContactContextAnswer,
      },
      async handler(ctx) {
        const p = principalOf(ctx);
        const id = ContactId.safeParse(ctx.params.id);
        if (!id.success) throw new AppError("not_found", "No such contact");
        const emails = await deps.contactEmails(p, id.data);
        if (!emails) throw new AppError("not_found", `No contact ${id.data}`);
        // satisfies: the answer schema and the service's type cannot drift apart unnoticed.
        return { body: (await deps.context.forEmail(p, emails[0])) satisfies ContactContextBody };
      },
    }),
    route({
      method: "GET",
      path: "/v1/sidebar/context",
      access: "user",
      summary: "Sidebar for an email address (?email=): shared emails, documents and events",
      query: { email: { description: "the other party's email address", maxLength: 320 } },
      success: {
        status: 200,
        description: "{ email, emails, documents, events }",
        schema: ContactContextAnswer,
      },
      async handler(ctx) {
        const raw = ctx.query.get("email")?.trim() ?? "";
        if (raw && !Email.safeParse(raw).success)
          throw new AppError("invalid_request", "email is not an email address");
        return {
          body: (await deps.context.forEmail(principalOf(ctx), raw || null)) satisfies ContactContextBody,
        };
      },
    }),
    route({
      method: "POST",
      path: "/v1/calendar/events/:eventId/meeting",
      access: "user",
      summary:
        "Add (or update) meeting details in an event: join link, PIN and dial-in numbers; organiser or editor only",
      query: CALENDAR_QUERY,
      success: { status: 200, description: "{ room, joinUrl, pin, eventId, updated }", schema: MeetingAdded },
      async handler(ctx) {
        const p = principalOf(ctx);
        const added = await deps.meetings.add(p, calendarIdOf(ctx.query), eventIdOf(ctx.params));
        return { body: added satisfies z.infer<typeof MeetingAdded> };
      },
    }),
    route({
      method: "DELETE",
      path: "/v1/calendar/events/:eventId/meeting",
      access: "user",
      summary: "Remove meeting details from an event, restoring its description; organiser or editor only",
      query: CALENDAR_QUERY,
      success: { status: 200, description: "{ removed }", schema: MeetingRemoved },
      async handler(ctx) {
        const p = principalOf(ctx);
        return { body: await deps.meetings.remove(p, calendarIdOf(ctx.query), eventIdOf(ctx.params)) };
      },
    }),
    route({
      method: "GET",
      path: "/v1/meetings/:room",
      access: "public",
      summary: "A meeting link: redirects to the web client's join page",
      success: { status: 302, description: "Location: the join page" },
      async handler(ctx) {
        const room = ctx.params.room ?? "";
        if (!ROOM_ID.test(room) || !(await deps.rooms.get(room)))
          throw new AppError("not_found", "No such meeting");
        return { status: 302, headers: { location: joinUrlOf(deps.webOrigin(), room) }, text: "" };
      },
    }),
    route({
      method: "GET",
      path: "/v1/admin/meetings/dial-in",
      access: "admin",
      summary: "The organisation's international dial-in numbers",
      success: {
        status: 200,
        description: "{ numbers: [{ country, number, label? }] }",
        schema: DialInSettings,
      },
      async handler(ctx) {
        return { body: await deps.dialIn.get(principalOf(ctx).orgId) };
      },
    }),
    route({
      method: "PUT",
      path: "/v1/admin/meetings/dial-in",
      access: "admin",
      body: DialInSettings,
      summary: "Replace the organisation's dial-in numbers (E.164, ISO 3166 country codes)",
      success: { status: 200, description: "{ numbers }", schema: DialInSettings },
      async handler(ctx) {
        const p = principalOf(ctx);
        await deps.dialIn.put(p.orgId, ctx.body, p.userId);
        return { body: ctx.body };
      },
    }),
  ];
}
