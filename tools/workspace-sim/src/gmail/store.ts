// Mailboxes: one copy of each message per simulator user who sent or received it (Gmail message
// and thread ids are per mailbox), with labels, headers, a snippet and an internalDate.
import type { SimState } from "../state";

export interface Address {
  name?: string | undefined;
  email: string;
}

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds: Set<string>;
  internalDate: number;
  from: Address;
  to: Address[];
  cc: Address[];
  subject: string;
  body: string;
  messageIdHeader: string;
  historyId: number;
  hasAttachment: boolean;
}

export class Mailbox {
  readonly messages = new Map<string, GmailMessage>();
  readonly threads = new Map<string, string>();
  /** User labels: name → id. */
  readonly labels = new Map<string, string>();
  historyId = 1000;
  private counter = 0;
  private sorted: GmailMessage[] | undefined;

  constructor(readonly email: string) {}

  add(msg: Omit<GmailMessage, "id" | "threadId" | "historyId">, threadKey: string): GmailMessage {
    this.counter++;
    const id = ((BigInt(msg.internalDate) << 20n) | BigInt(this.counter & 0xfffff))
      .toString(16)
      .padStart(16, "0");
    let threadId = this.threads.get(threadKey);
    if (!threadId) {
      threadId = id;
      this.threads.set(threadKey, threadId);
    }
    this.historyId += 1 + (this.counter % 7);
    const full: GmailMessage = { ...msg, id, threadId, historyId: this.historyId };
    this.messages.set(id, full);
    this.sorted = undefined;
    return full;
  }

  /** Newest first, as messages.list returns them. */
  newestFirst(): GmailMessage[] {
    this.sorted ??= [...this.messages.values()].sort(
      (a, b) => b.internalDate - a.internalDate || (a.id < b.id ? 1 : -1),
    );
    return this.sorted;
  }

  labelId(name: string): string {
    let id = this.labels.get(name.toLowerCase());
    if (!id) {
      id = `Label_${this.labels.size + 1}`;
      this.labels.set(name.toLowerCase(), id);
    }
    return id;
  }
}

interface GmailWorld {
  mailboxes: Map<string, Mailbox>;
}

const worlds = new WeakMap<SimState, GmailWorld>();

function world(state: SimState): GmailWorld {
  let w = worlds.get(state);
  if (!w) {
    w = { mailboxes: new Map() };
    worlds.set(state, w);
  }
  return w;
}

export function mailbox(state: SimState, email: string): Mailbox {
  const key = email.toLowerCase();
  const w = world(state);
  let m = w.mailboxes.get(key);
  if (!m) {
    m = new Mailbox(key);
    w.mailboxes.set(key, m);
  }
  return m;
}

export function resetGmail(state: SimState): void {
  worlds.delete(state);
}

export const formatAddress = (a: Address) => (a.name ? `"${a.name}" <${a.email}>` : a.email);

export function snippetOf(body: string): string {
  return body.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** RFC 2822 date as Gmail shows it in the Date header. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace("GMT", "+0000");
}

export interface SendInput {
  from: Address | string;
  to: Array<Address | string>;
  cc?: Array<Address | string>;
  subject: string;
  body?: string;
  /** Sim-clock time by default. */
  at?: number;
  /** Messages with the same key share a thread in each mailbox. */
  threadKey?: string;
  labels?: string[];
  hasAttachment?: boolean;
}

const addr = (a: Address | string): Address =>
  typeof a === "string" ? { email: a.toLowerCase() } : { ...a, email: a.email.toLowerCase() };

/** Delivers a message: a SENT copy for a simulator sender, an INBOX copy for each simulator recipient. */
export function deliver(
  state: SimState,
  input: SendInput,
  isSimUser: (email: string) => boolean,
): Array<{ mailbox: string; message: GmailMessage }> {
  const from = addr(input.from);
  const to = input.to.map(addr);
  const cc = (input.cc ?? []).map(addr);
  const at = input.at ?? state.now();
  const body = input.body ?? "";
  const threadKey = input.threadKey ?? `${input.subject.replace(/^(re|fwd?):\s*/i, "")}`;
  const messageIdHeader = `<sim.${at.toString(36)}.${Math.random().toString(36).slice(2, 10)}@mail.gmail.com>`;
  const base = {
    internalDate: at,
    from,
    to,
    cc,
    subject: input.subject,
    body,
    messageIdHeader,
    hasAttachment: input.hasAttachment ?? false,
  };
  const out: Array<{ mailbox: string; message: GmailMessage }> = [];
  const seen = new Set<string>();
  if (isSimUser(from.email)) {
    seen.add(from.email);
    const box = mailbox(state, from.email);
    const labels = new Set(["SENT", ...(input.labels ?? []).map((l) => box.labelId(l))]);
    out.push({ mailbox: from.email, message: box.add({ ...base, labelIds: labels }, threadKey) });
  }
  for (const r of [...to, ...cc]) {
    if (seen.has(r.email) || !isSimUser(r.email)) continue;
    seen.add(r.email);
    const box = mailbox(state, r.email);
    const labels = new Set([
      "INBOX",
      "UNREAD",
      "CATEGORY_PERSONAL",
      ...(input.labels ?? []).map((l) => box.labelId(l)),
    ]);
    out.push({ mailbox: r.email, message: box.add({ ...base, labelIds: labels }, threadKey) });
  }
  return out;
}
