// The sidebar's answers as the API describes them (GET /v1/sidebar/context, GET /v1/contacts/:id/context,
// the meeting-details routes): the same shapes as contact-context.ts and meeting-details.ts, as schemas.
import { z } from "zod";

const sectionOf = <T extends z.ZodType>(item: T) =>
  z.object({
    state: z.enum(["ok", "not_connected", "needs_reauth", "email_required", "error"]),
    items: z.array(item),
    viewAllUrl: z.string().nullable(),
    fetchedAt: z.iso.datetime().nullable(),
    stale: z.boolean(),
    rateLimited: z.literal(true).optional(),
    partial: z.literal(true).optional(),
    reason: z.enum(["timeout", "rate_limited", "upstream"]).optional(),
    current: z.object({ title: z.string(), until: z.string().nullable() }).nullable().optional(),
  });

export const ContactContextAnswer = z.object({
  email: z.string().nullable(),
  emails: sectionOf(z.object({ id: z.string(), subject: z.string(), date: z.string(), link: z.string() })),
  documents: sectionOf(
    z.object({ id: z.string(), title: z.string(), modifiedTime: z.string(), link: z.string() }),
  ),
  events: sectionOf(
    z.object({
      id: z.string(),
      name: z.string(),
      start: z.string(),
      end: z.string(),
      allDay: z.boolean(),
      date: z.string(),
      time: z.string(),
      timeZone: z.string(),
      when: z.enum(["upcoming", "recent"]),
    }),
  ),
});

export const MeetingAdded = z.object({
  room: z.string(),
  joinUrl: z.url(),
  pin: z.string(),
  eventId: z.string(),
  updated: z.boolean(),
});
export const MeetingRemoved = z.object({ removed: z.boolean() });
