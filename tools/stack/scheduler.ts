// The local stand-in for Cloud Scheduler: fires each scheduled function's cron in its time zone by
// publishing to the function's topic, as the Terraform-declared Pub/Sub-target job does in production.
import type { Manifest } from "../../functions/manifest";
import { parseCron } from "./cron";

export interface SchedulerOptions {
  publish(topic: string, payload: ReturnType<typeof scheduledMessage>): Promise<unknown>;
  onFire?(job: string, at: Date): void;
  onError?(job: string, error: unknown): void;
  now?: () => Date;
}

export interface LocalScheduler {
  jobs: Array<{ job: string; schedule: string; timeZone: string; topic: string; next: Date }>;
  stop(): void;
}

/** The message a scheduled job publishes; the same shape Terraform gives the Cloud Scheduler job. */
export const scheduledMessage = (fn: { name: string; schedule: string; timeZone: string }) => ({
  function: fn.name,
  schedule: fn.schedule,
  timeZone: fn.timeZone,
});

export function startScheduler(manifest: Manifest, options: SchedulerOptions): LocalScheduler {
  const now = options.now ?? (() => new Date());
  const timers = new Set<NodeJS.Timeout>();
  const jobs: LocalScheduler["jobs"] = [];
  let stopped = false;
  for (const fn of manifest.functions) {
    if (fn.trigger !== "schedule" || !fn.schedule || !fn.timeZone || !fn.topic) continue;
    const cron = parseCron(fn.schedule, fn.timeZone);
    const job = {
      job: fn.name,
      schedule: fn.schedule,
      timeZone: fn.timeZone,
      topic: fn.topic,
      next: cron.next(now()),
    };
    jobs.push(job);
    const arm = (after?: Date) => {
      if (stopped) return;
      // A timer may fire a millisecond before its time: never arm the slot that just fired again.
      job.next = cron.next(after && after.getTime() >= now().getTime() ? after : now());
      const timer = setTimeout(
        async () => {
          timers.delete(timer);
          const fired = job.next;
          options.onFire?.(fn.name, fired);
          try {
            await options.publish(
              job.topic,
              scheduledMessage({ name: fn.name, schedule: job.schedule, timeZone: job.timeZone }),
            );
          } catch (error) {
            options.onError?.(fn.name, error);
          }
          arm(fired);
        },
        Math.max(0, job.next.getTime() - now().getTime()),
      );
      timers.add(timer);
    };
    arm();
  }
  return {
    jobs,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
