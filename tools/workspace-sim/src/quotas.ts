// Per-user, per-minute quota meters. Windows are fixed sim-clock minutes (Google documents sliding
// windows for some APIs; a fixed window is close enough and predictable in tests).
import { MINUTE } from "./clock";

export class QuotaMeter {
  private readonly used = new Map<string, { window: number; units: number }>();

  /** Charges `units` and returns false (charging nothing) if that would exceed `limit`. */
  tryCharge(key: string, units: number, limit: number | null, now: number): boolean {
    if (limit === null || units === 0) return true;
    const window = Math.floor(now / MINUTE);
    const entry = this.used.get(key);
    const current = entry && entry.window === window ? entry.units : 0;
    if (current + units > limit) return false;
    this.used.set(key, { window, units: current + units });
    return true;
  }

  clear(): void {
    this.used.clear();
  }
}
