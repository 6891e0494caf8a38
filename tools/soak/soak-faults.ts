// The faults the soak injects while it changes things: Google answering 429/500/503 (People, Calendar,
// Directory, OAuth), Calendar pushes dropped, duplicated or held back and delivered out of order,
// Directory pushes dropped, and a function process killed mid-run (the stack restarts it, as Cloud Run
// starts a new instance). Every fault is counted in the ledger.
import type { RunningFunction } from "../stack/function-process";
import type { SimHttp } from "./sim-http";
import type { SeededRandom, SoakLedger } from "./soak-ledger";

/** Functions that only Pub/Sub and Google call: their senders retry, so killing one mid-work must lose nothing. */
export const KILLABLE = [
  "contact-sync",
  "calendar-sync",
  "directory-sync",
  "contact-sync-fanout",
  "presence-sweep",
  "audit-log",
  "webhooks",
] as const;

export function soakFaults(deps: {
  sim: SimHttp;
  ledger: SoakLedger;
  random: SeededRandom;
  functions: ReadonlyMap<string, RunningFunction>;
}) {
  const { sim, ledger, random } = deps;
  return {
    async inject() {
      const kind = random.weighted({ google: 5, calendarPush: 3, directoryPush: 1, kill: 1 });
      if (kind === "google") {
        const api = random.pick(["people", "calendar", "directory", "oauth"] as const)!;
        const fail = random.pick(["429", "500", "503"] as const)!;
        await sim("POST", "/_sim/faults", { api, fail, times: 1 + Math.floor(random.next() * 3) });
        ledger.count(`fault google ${api} ${fail}`);
      } else if (kind === "calendarPush") {
        const action = random.pick(["drop", "duplicate", "reorder"] as const)!;
        await sim("POST", "/_sim/calendar/notification-faults", { action, times: 1 });
        ledger.count(`fault calendar push ${action}`);
      } else if (kind === "directoryPush") {
        await sim("POST", "/_sim/faults", { api: "directory", dropPush: true, times: 1 });
        ledger.count("fault directory push drop");
      } else {
        const name = random.pick(KILLABLE.filter((n) => deps.functions.has(n)))!;
        deps.functions.get(name)!.process.kill("SIGKILL");
        ledger.count(`fault killed ${name}`);
      }
    },
    /** Google behaves again: the end state is judged without faults in the way. */
    async clear() {
      await sim("DELETE", "/_sim/faults");
      await sim("DELETE", "/_sim/calendar/notification-faults");
    },
  };
}
