// Applies a Gmail seed: explicit messages, then the generated history.
import type { Org, SimState } from "../state";
import { gmailControl } from "./control";
import { generateMailHistory } from "./generate";
import { type GmailSeed, GmailSeedSchema } from "./seed-schema";

export function applyGmailSeed(state: SimState, org: Org, input: GmailSeed): number {
  const seed = GmailSeedSchema.parse(input);
  let n = 0;
  for (const m of seed.messages) {
    const { cc, body, at, threadKey, ...rest } = m;
    n += gmailControl(state).sendEmail({
      ...rest,
      ...(cc ? { cc } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(at !== undefined ? { at } : {}),
      ...(threadKey ? { threadKey } : {}),
    }).length;
  }
  if (seed.history) {
    const h = seed.history === true ? {} : seed.history;
    n += generateMailHistory(state, org, {
      ...(h.years !== undefined ? { years: h.years } : {}),
      ...(h.threadsPerContact ? { threadsPerContact: h.threadsPerContact } : {}),
      ...(h.colleagues !== undefined ? { colleagues: h.colleagues } : {}),
    });
  }
  return n;
}
