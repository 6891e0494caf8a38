// The Drive part of the control API (filled in below).
import type { SimState } from "../state";

export class DriveControl {
  constructor(private readonly state: SimState) {}

  reset(): void {
    void this.state;
  }
}

const controls = new WeakMap<SimState, DriveControl>();

export function driveControl(state: SimState): DriveControl {
  let c = controls.get(state);
  if (!c) {
    c = new DriveControl(state);
    controls.set(state, c);
  }
  return c;
}
