// The Gmail part of the control API: send an email as a person would, seed mail history, configure
// quota. `sim.control.gmail`, HTTP under /_sim/gmail/….
import type { SimState } from "../state";
import { type LoadOptions, occupy, resetConcurrency } from "./concurrency";
import { generateMailHistory, type MailHistoryOptions } from "./generate";
import { type GmailSettings, gmailSettings } from "./messages-api";
import { deliver, formatAddress, mailbox, resetGmail, type SendInput } from "./store";

export interface MessageSummary {
  id: string;
  threadId: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  internalDate: number;
  labelIds: string[];
}

export class GmailControl {
  constructor(private readonly state: SimState) {}

  configure(patch: Partial<GmailSettings>): GmailSettings {
    const s = gmailSettings(this.state);
    Object.assign(s, { ...patch, units: { ...s.units, ...(patch.units ?? {}) } });
    return structuredClone(s);
  }

  /** Sends an email; simulator users among sender and recipients get their copies. */
  sendEmail(
    input: Omit<SendInput, "at"> & { at?: number | string },
  ): Array<{ mailbox: string; id: string; threadId: string }> {
    const { at: rawAt, ...rest } = input;
    const at = rawAt === undefined ? undefined : typeof rawAt === "number" ? rawAt : Date.parse(rawAt);
    return deliver(
      this.state,
      { ...rest, ...(at !== undefined ? { at } : {}) },
      (email) => this.state.findUser(email) !== undefined,
    ).map(({ mailbox, message }) => ({ mailbox, id: message.id, threadId: message.threadId }));
  }

  /** Deterministic history between the org's users, their contacts and each other. */
  seedMailHistory(domain: string, opts: MailHistoryOptions = {}): { delivered: number } {
    const org = this.state.orgByDomain(domain);
    if (!org) throw new Error(`no organisation ${domain}`);
    return { delivered: generateMailHistory(this.state, org, opts) };
  }

  /** A mailbox, newest first. */
  messages(user: string): MessageSummary[] {
    return mailbox(this.state, user)
      .newestFirst()
      .map((m) => ({
        id: m.id,
        threadId: m.threadId,
        from: formatAddress(m.from),
        to: m.to.map(formatAddress),
        cc: m.cc.map(formatAddress),
        subject: m.subject,
        internalDate: m.internalDate,
        labelIds: [...m.labelIds],
      }));
  }

  /**
   * Another client's requests in flight for the user: they take `slots` of the user's concurrent-request
   * limit until released; `fromRefusals` / `untilRefusals` start or end them after that many refusals
   * (another client's burst arriving, or finishing, just then), so tests stay deterministic.
   */
  simulateLoad(user: string, slots: number, options: LoadOptions = {}): { release(): void } {
    const found = this.state.findUser(user);
    if (!found) throw new Error(`no user ${user}`);
    return occupy(this.state, found.user.id, slots, options);
  }

  /** Moves a message to spam or trash (or back to the inbox). */
  label(user: string, id: string, add: string[], remove: string[] = []): void {
    const m = mailbox(this.state, user).messages.get(id);
    if (!m) throw new Error(`${user} has no message ${id}`);
    for (const l of add) m.labelIds.add(l);
    for (const l of remove) m.labelIds.delete(l);
  }

  reset(): void {
    resetGmail(this.state);
    resetConcurrency(this.state);
  }
}

const controls = new WeakMap<SimState, GmailControl>();

export function gmailControl(state: SimState): GmailControl {
  let c = controls.get(state);
  if (!c) {
    c = new GmailControl(state);
    controls.set(state, c);
  }
  return c;
}
