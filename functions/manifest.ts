// The one list of deployable functions. Terraform, the build, the local stack and the tests read it.
import { readFileSync } from "node:fs";
import { z } from "zod";

const FunctionName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes");
const TopicName = z.string().regex(/^[a-z][a-z0-9-]{2,254}$/);

export const FunctionSpec = z
  .object({
    name: FunctionName,
    description: z.string().min(1),
    trigger: z.enum(["http", "topic", "schedule"]),
    /** http only: reachable without IAM (the function checks its own credentials). */
    public: z.boolean(),
    /** topic: the topic it consumes; schedule: the topic Cloud Scheduler publishes to, which it consumes. */
    topic: TopicName.nullable(),
    schedule: z.string().min(9).nullable(),
    timeZone: z.string().nullable(),
    retry: z.boolean(),
    /** topic/schedule: deliver messages with one ordering key in order (e.g. one user's People writes). */
    ordered: z.boolean().default(false),
    maxDeliveryAttempts: z.number().int().min(5).max(100).nullable(),
    publishes: z.array(TopicName),
    secrets: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)),
    roles: z.array(z.string().startsWith("roles/")),
    memory: z.enum(["128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"]),
    timeoutSeconds: z.number().int().min(1).max(3600),
    minInstances: z.number().int().min(0),
    maxInstances: z.number().int().min(1),
    /** Requests one instance serves at once (Node.js serves them concurrently); more than 1 needs cpu >= 1. */
    concurrency: z.number().int().min(1).max(1000).default(1),
    /** vCPUs per instance; null takes the memory tier's share. Fractions only below 1 (Cloud Run's rule). */
    cpu: z.enum(["0.083", "0.167", "0.333", "0.583", "1", "2", "4", "8"]).nullable().default(null),
  })
  .superRefine((fn, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: "custom", message: `${fn.name}: ${message}` });
    if (fn.trigger === "http" && fn.topic !== null) problem("an http function has no topic");
    if (fn.trigger !== "http" && fn.topic === null) problem(`a ${fn.trigger} function needs a topic`);
    if (fn.trigger === "schedule" && (fn.schedule === null || fn.timeZone === null))
      problem("a schedule function needs schedule and timeZone");
    if (fn.trigger !== "schedule" && fn.schedule !== null) problem("only a schedule function has a schedule");
    // https://cloud.google.com/functions/docs/configuring/concurrency: concurrency above 1 needs at least
    // 1 vCPU; https://cloud.google.com/run/docs/configuring/services/cpu: 1 vCPU needs 512 MiB or more.
    if (fn.concurrency > 1 && (fn.cpu === null || Number(fn.cpu) < 1))
      problem("concurrency above 1 needs cpu of at least 1");
    if (fn.cpu !== null && Number(fn.cpu) >= 1 && ["128Mi", "256Mi"].includes(fn.memory))
      problem("1 vCPU or more needs at least 512Mi of memory");
    if (fn.trigger !== "http" && fn.retry && fn.maxDeliveryAttempts === null)
      problem("a retried event function needs maxDeliveryAttempts (its dead-letter threshold)");
  });

export const Manifest = z.object({ functions: z.array(FunctionSpec).min(1) }).superRefine((m, ctx) => {
  const names = m.functions.map((f) => f.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) ctx.addIssue({ code: "custom", message: `function ${dup} is listed twice` });
});

export type FunctionSpec = z.infer<typeof FunctionSpec>;
export type Manifest = z.infer<typeof Manifest>;

export const manifestPath = new URL("./manifest.json", import.meta.url);

export function loadManifest(path: URL | string = manifestPath): Manifest {
  return Manifest.parse(JSON.parse(readFileSync(path, "utf8")));
}

/** Every topic the system uses: consumed ones and published ones, sorted. */
export function allTopics(manifest: Manifest): string[] {
  const topics = new Set<string>();
  for (const fn of manifest.functions) {
    if (fn.topic) topics.add(fn.topic);
    for (const t of fn.publishes) topics.add(t);
  }
  return [...topics].sort();
}

export const deadLetterTopic = (topic: string) => `${topic}-dead-letter`;
