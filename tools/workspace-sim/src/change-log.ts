// An append-only log of (sequence, key, time) used for sync tokens: "what changed after sequence N?" is
// a binary search plus a scan of the tail, never a scan of the whole data set.

export class ChangeLog {
  private readonly seqs: number[] = [];
  private readonly keys: string[] = [];
  private readonly times: number[] = [];
  private last = 0;

  get currentSeq(): number {
    return this.last;
  }

  append(key: string, at: number): number {
    this.last++;
    this.seqs.push(this.last);
    this.keys.push(key);
    this.times.push(at);
    return this.last;
  }

  /** Highest sequence whose change happened at or before `at` (for the write→sync lag). */
  seqAtOrBefore(at: number): number {
    let lo = 0;
    let hi = this.times.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid]! <= at) {
        found = this.seqs[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Keys changed in (afterSeq, uptoSeq], each once, in order of their last change. */
  changedKeys(afterSeq: number, uptoSeq: number): string[] {
    const start = this.firstIndexAfter(afterSeq);
    const lastIndexOf = new Map<string, number>();
    for (let i = start; i < this.seqs.length && this.seqs[i]! <= uptoSeq; i++)
      lastIndexOf.set(this.keys[i]!, i);
    return [...lastIndexOf.entries()].sort((a, b) => a[1] - b[1]).map(([k]) => k);
  }

  private firstIndexAfter(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
