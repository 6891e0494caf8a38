// Seed format for calendars (the `calendar` key of an organisation seed). zod only, so the core
// seed schema can import it without pulling in the Calendar implementation.
import { z } from "zod";

const role = z.enum(["none", "freeBusyReader", "reader", "writer", "owner"]);

export const CalendarSeedSchema = z.object({
  /** A realistic week of meetings around the sim clock's "now" for the organisation's users. */
  demoWeek: z.boolean().default(false),
  /** Time zone of the users' primary calendars (default from the org's region). */
  timeZone: z.string().optional(),
  /** Domain-wide default sharing of primary calendars (Google's default: free/busy only). */
  domainDefaultRole: role.optional(),
  calendars: z
    .array(
      z.object({
        owner: z.string(),
        summary: z.string(),
        timeZone: z.string().optional(),
        description: z.string().optional(),
      }),
    )
    .default([]),
  /** ACL rules; `calendar` is a user's email (primary calendar) or a secondary calendar's summary. */
  shares: z
    .array(
      z.object({
        calendar: z.string(),
        type: z.enum(["user", "group", "domain", "default"]),
        value: z.string().optional(),
        role,
      }),
    )
    .default([]),
  /** Events as the organizer would create them (`calendar`: a secondary calendar's summary, else primary). */
  events: z
    .array(
      z.object({
        user: z.string(),
        calendar: z.string().optional(),
        event: z.record(z.string(), z.unknown()),
      }),
    )
    .default([]),
});

export type CalendarSeed = z.input<typeof CalendarSeedSchema>;
