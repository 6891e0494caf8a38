// `npm run bench -- cost`: dollars per idle and per active connected user-month, from the operation
// counts the other benches measured (bench/results.json) priced with the dated list prices in
// bench/cost/prices.ts. Goal: at most $0.005 per idle connected user-month.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench, Figure } from "./bench";
import { fixedMonthlyCost, monthlyCostOf } from "./cost/price-model";
import { activities, PROFILES, type Results, storedBytesPerContact } from "./cost/usage-model";

const RESULTS = join(fileURLToPath(new URL(".", import.meta.url)), "results.json");

const bench: Bench = {
  name: "cost",
  description: "USD per idle and active user-month from measured operation counts and list prices",
  async run() {
    const results = JSON.parse(await readFile(RESULTS, "utf8")) as Results;
    const measured = activities(results);
    const figures: Figure[] = [];
    for (const [key, profile] of Object.entries(PROFILES)) {
      const cost = monthlyCostOf(profile, measured);
      const f = (name: string, value: number, unit = "USD/user-month") =>
        figures.push({ name: `cost.${key}_user.${name}`, value, unit });
      f("total", cost.total);
      f("compute", cost.compute);
      f("requests", cost.requests);
      f("firestore_ops", cost.firestoreOps);
      f("storage", cost.storage);
      f("pubsub", cost.pubsub);
      f("firestore_reads", cost.counts.reads, "reads/user-month");
      f("firestore_writes", cost.counts.writes, "writes/user-month");
      for (const [api, calls] of Object.entries(cost.counts.google))
        f(`${api}_calls_per_day`, calls / 30.4, "calls/user-day");
    }
    figures.push({ name: "cost.stored_bytes_per_contact", value: storedBytesPerContact(), unit: "bytes" });
    figures.push({ name: "cost.deployment_fixed", value: fixedMonthlyCost(), unit: "USD/month" });
    return figures;
  },
};
export default bench;
