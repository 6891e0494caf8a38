// Seed format for Gmail (the `gmail` key of an organisation seed). zod only.
import { z } from "zod";

const address = z.union([z.string(), z.object({ name: z.string().optional(), email: z.string() })]);

export const GmailSeedSchema = z.object({
  /** Deterministic mail history with contacts and colleagues (true, or options). */
  history: z
    .union([
      z.boolean(),
      z.object({
        years: z.number().positive().optional(),
        threadsPerContact: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(),
        colleagues: z.boolean().optional(),
      }),
    ])
    .default(false),
  messages: z
    .array(
      z.object({
        from: address,
        to: z.array(address),
        cc: z.array(address).optional(),
        subject: z.string(),
        body: z.string().optional(),
        at: z.union([z.string(), z.number()]).optional(),
        threadKey: z.string().optional(),
      }),
    )
    .default([]),
});

export type GmailSeed = z.input<typeof GmailSeedSchema>;
