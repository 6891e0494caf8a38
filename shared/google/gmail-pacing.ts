// Pacing of Gmail calls per user within one instance. Gmail refuses the requests a user has in flight
// beyond an undocumented limit with 429 "Too many concurrent requests for user." (a 100-part batch is
// refused in part, 25 parts pass: amd/gaia#2720; googleapis/google-api-dotnet-client#1982). Batches are
// therefore small (GMAIL_BATCH_PARTS) and the parts one user has in flight from this instance are capped
// (GMAIL_PARTS_IN_FLIGHT), so several sidebars opened at once queue here instead of at Google. Other
// instances and other clients still share the user's limit: the adapter retries refused parts.

/** Parts per batch request: the sidebar asks for 10 messages, so one batch per opening. */
export const GMAIL_BATCH_PARTS = 10;
/** Parts one user may have in flight from this instance (well under the ~25 Google lets through). */
export const GMAIL_PARTS_IN_FLIGHT = 10;

export interface PartsGate {
  /** Resolves once `n` parts fit (n ≤ the gate's capacity); call the returned function when they are done. */
  acquire(n: number): Promise<() => void>;
}

/** A FIFO gate of `capacity` parts. */
export function partsGate(capacity: number): PartsGate {
  let inFlight = 0;
  const waiting: Array<{ n: number; start: () => void }> = [];
  const pump = () => {
    while (waiting.length > 0 && inFlight + waiting[0]!.n <= capacity) {
      const next = waiting.shift()!;
      inFlight += next.n;
      next.start();
    }
  };
  return {
    acquire(n) {
      const parts = Math.min(Math.max(1, n), capacity);
      return new Promise((resolve) => {
        let released = false;
        const done = () => {
          if (released) return;
          released = true;
          inFlight -= parts;
          pump();
        };
        waiting.push({ n: parts, start: () => resolve(done) });
        pump();
      });
    },
  };
}

/** One gate per key (org/user), created on first use. */
export function perUserPartsGates(capacity = GMAIL_PARTS_IN_FLIGHT): (key: string) => PartsGate {
  const gates = new Map<string, PartsGate>();
  return (key) => {
    let gate = gates.get(key);
    if (!gate) {
      gate = partsGate(capacity);
      gates.set(key, gate);
    }
    return gate;
  };
}
