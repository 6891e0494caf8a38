// The Gmail part of the control API (filled in below).
import type { SimState } from "../state";

export class GmailControl {
  constructor(private readonly state: SimState) {}

  reset(): void {
    void this.state;
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
