// What the soak did, so the end state can be judged: every contact it created (by a unique family name,
// the "tag"), who owns its edits (the side that created it: conflicting edits on both sides have no one
// right answer), its last values, whether it was deleted; the meetings in progress per person; the
// directory people and what happened to them; and counts of changes and faults.

export interface LedgerContact {
  tag: string;
  person: string;
  /** The side that created it and that alone edits and deletes it. */
  side: "google" | "switchboard";
  givenName: string;
  phone: string;
  deleted: boolean;
  /** Google's resourceName (google side) or Switchboard's id (switchboard side). */
  ref: string;
}

export class SoakLedger {
  readonly contacts = new Map<string, LedgerContact>();
  /** Person email → ids of their meetings in progress. */
  readonly meetings = new Map<string, Set<string>>();
  /** Directory person email → expected Switchboard state. */
  readonly directory = new Map<string, { org: string; state: "active" | "gone" }>();
  readonly counts = new Map<string, number>();
  private serial = 0;
  private phones = 0;

  count(what: string, by = 1) {
    this.counts.set(what, (this.counts.get(what) ?? 0) + by);
  }

  nextTag(): string {
    return `Soak${String(++this.serial).padStart(5, "0")}`;
  }

  /** A number no other soak contact has (Ofcom's drama range, then onwards): POST links equal numbers. */
  nextPhone(): string {
    const n = this.phones++;
    return `+4477009${String(n).padStart(5, "0")}`;
  }

  live(person?: string, side?: LedgerContact["side"]): LedgerContact[] {
    return [...this.contacts.values()].filter(
      (c) => !c.deleted && (!person || c.person === person) && (!side || c.side === side),
    );
  }
}

/** A small seeded generator (mulberry32): the same seed replays the same choices. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick<T>(items: readonly T[]): T | undefined {
      return items.length === 0 ? undefined : items[Math.floor(next() * items.length)];
    },
    weighted<K extends string>(weights: Record<K, number>): K {
      const entries = Object.entries(weights) as Array<[K, number]>;
      let r = next() * entries.reduce((s, [, w]) => s + w, 0);
      for (const [k, w] of entries) {
        r -= w;
        if (r < 0) return k;
      }
      return entries.at(-1)![0];
    },
  };
}
export type SeededRandom = ReturnType<typeof seededRandom>;
