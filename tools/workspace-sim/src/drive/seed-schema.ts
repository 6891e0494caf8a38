// Seed format for Drive (the `drive` key of an organisation seed). zod only.
import { z } from "zod";

const share = z.object({
  type: z.enum(["user", "group", "domain", "anyone"]).optional(),
  email: z.string().optional(),
  domain: z.string().optional(),
  role: z.enum(["organizer", "fileOrganizer", "writer", "commenter", "reader"]),
  allowFileDiscovery: z.boolean().optional(),
  by: z.string().optional(),
  at: z.union([z.string(), z.number()]).optional(),
});

export const DriveSeedSchema = z.object({
  /** Docs, sheets, slides and PDFs shared between colleagues and with contacts, edited over the last months. */
  demo: z.boolean().default(false),
  files: z
    .array(
      z.object({
        name: z.string(),
        kind: z.string().optional(),
        owner: z.string().optional(),
        description: z.string().optional(),
        createdTime: z.union([z.string(), z.number()]).optional(),
        modifiedTime: z.union([z.string(), z.number()]).optional(),
        lastModifyingUser: z.string().optional(),
        trashed: z.boolean().optional(),
        shares: z.array(share).default([]),
      }),
    )
    .default([]),
});

export type DriveSeed = z.input<typeof DriveSeedSchema>;
