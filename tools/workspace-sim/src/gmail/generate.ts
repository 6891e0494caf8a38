// Deterministic mail history: threads between an organisation's users and their contacts (and
// between colleagues) spread over the last few years, so "emails we exchanged" is there from day one.
// The same org, contacts and options always yield the same messages (times relative to `now`).
import type { Org, SimState } from "../state";
import { type Address, deliver } from "./store";

export interface MailHistoryOptions {
  /** How far back the history goes (default 3 years). */
  years?: number;
  /** Threads per correspondent, min..max (default 3..12). */
  threadsPerContact?: [number, number];
  /** Include threads between colleagues (default true). */
  colleagues?: boolean;
  /** Anchor time; default the sim clock. */
  now?: number;
}

/** A small seeded PRNG (mulberry32). */
export function prng(seedText: string): () => number {
  let h = 1779033703 ^ seedText.length;
  for (let i = 0; i < seedText.length; i++) {
    h = Math.imul(h ^ seedText.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS = [
  "Quote for the annual renewal",
  "Follow-up from our call",
  "Invoice {n}",
  "Meeting notes",
  "Contract redlines",
  "Delivery schedule",
  "Support ticket #{n}",
  "Lunch next week?",
  "Intro: {name}",
  "Project kickoff",
  "Pricing question",
  "Re-scheduling Thursday",
];
const BODIES = [
  "Hi {name},\n\nThanks for the call earlier. As discussed, I've attached the figures. Let me know if anything looks off.\n\nBest,\n{me}",
  "Hello {name},\n\nJust checking in on this. Could you confirm by Friday?\n\nThanks,\n{me}",
  "{name}, quick one: are you free for 30 minutes on Tuesday to go through the open points?\n\n{me}",
  "Hi {name},\n\nPlease find the updated version below. I've tracked the changes we agreed on.\n\nKind regards,\n{me}",
];

const first = (a: Address) => a.name?.split(" ")[0] ?? a.email.split("@")[0]!;

/** Generates and delivers the history; returns how many messages were delivered (copies counted). */
export function generateMailHistory(state: SimState, org: Org, opts: MailHistoryOptions = {}): number {
  const now = opts.now ?? state.now();
  const span = (opts.years ?? 3) * 365 * 86_400_000;
  const [minT, maxT] = opts.threadsPerContact ?? [3, 12];
  const isSimUser = (email: string) => state.findUser(email) !== undefined;
  const users = [...org.directory.users.values()]
    .filter((u) => u.deletionTime === undefined)
    .sort((a, b) => (a.primaryEmail < b.primaryEmail ? -1 : 1));
  let delivered = 0;
  const conversation = (me: Address, other: Address, key: string) => {
    const rnd = prng(key);
    const threads = minT + Math.floor(rnd() * (maxT - minT + 1));
    for (let t = 0; t < threads; t++) {
      const topic = TOPICS[Math.floor(rnd() * TOPICS.length)]!.replace(
        "{n}",
        String(1000 + Math.floor(rnd() * 9000)),
      ).replace("{name}", other.name ?? other.email);
      let at = now - Math.floor(rnd() * span);
      const replies = 1 + Math.floor(rnd() * 4);
      for (let r = 0; r < replies; r++) {
        const outgoing = (r + (rnd() < 0.5 ? 0 : 1)) % 2 === 0;
        const from = outgoing ? me : other;
        const to = outgoing ? other : me;
        const body = BODIES[Math.floor(rnd() * BODIES.length)]!.replace("{name}", first(to)).replace(
          "{me}",
          first(from),
        );
        if (at > now) break;
        delivered += deliver(
          state,
          {
            from,
            to: [to],
            ...(rnd() < 0.15 ? { cc: [{ email: `team@${me.email.split("@")[1]}` }] } : {}),
            subject: r === 0 ? topic : `Re: ${topic}`,
            body,
            at,
            threadKey: `${key}#${t}`,
            hasAttachment: rnd() < 0.2,
          },
          isSimUser,
        ).length;
        at += Math.floor((0.5 + rnd() * 48) * 3_600_000);
      }
    }
  };
  for (const u of users) {
    const me: Address = { name: `${u.givenName} ${u.familyName}`, email: u.primaryEmail };
    for (const c of state.contactsOf(u.id).live()) {
      const emails = (c.data.emailAddresses ?? [])
        .map((e) => String(e.value ?? "").toLowerCase())
        .filter((e) => e.includes("@"));
      const name = c.data.names?.[0];
      const display = name
        ? String(name.displayName ?? [name.givenName, name.familyName].filter(Boolean).join(" "))
        : undefined;
      for (const email of emails)
        conversation(me, { ...(display ? { name: display } : {}), email }, `${u.primaryEmail}|${email}`);
    }
  }
  if (opts.colleagues !== false) {
    for (let i = 0; i < users.length; i++) {
      for (let j = i + 1; j < users.length; j++) {
        const a = users[i]!;
        const b = users[j]!;
        conversation(
          { name: `${a.givenName} ${a.familyName}`, email: a.primaryEmail },
          { name: `${b.givenName} ${b.familyName}`, email: b.primaryEmail },
          `${a.primaryEmail}|${b.primaryEmail}`,
        );
      }
    }
  }
  return delivered;
}
