// The whole system on one machine, loopback only: Google's Firestore and Pub/Sub emulators, the Workspace
// simulator seeded with the demo organisation, every function of the manifest under the real Functions
// Framework, push subscriptions into the event functions, and a local scheduler.
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { Firestore } from "@google-cloud/firestore";
import { type FunctionSpec, loadManifest, type Manifest } from "../../functions/manifest";
import { buildAll, ROOT } from "../build/build";
import { startConsoleServer } from "../console/console-server";
import { freePort, type RunningEmulators, startEmulators } from "../emulators/emulators";
import { onboardDemoOrg } from "./demo-identity";
import { type RunningFunction, startFunction } from "./function-process";
import { DEMO_OAUTH_CLIENT, ensureLocalSecrets } from "./local-secrets";
import { type Backoff, PRODUCTION_BACKOFF, pubsubClient, wirePubSub } from "./pubsub-wiring";
import { type LocalScheduler, startScheduler } from "./scheduler";

/** The demo organisation's service account with directory delegation (tools/workspace-sim/demo/demo-org.json). */
export const DEMO_DIRECTORY_SERVICE_ACCOUNT = "directory-sync@switchboard-local.iam.gserviceaccount.com";

export const LOCAL_DIR = join(ROOT, ".local");

export interface StackOptions {
  projectId?: string;
  /** Reuse running emulators (tests) instead of starting a pair. */
  emulators?: { firestoreHost: string; pubsubHost: string };
  manifest?: Manifest;
  /** Start the Workspace simulator (default: when it is in the repo). */
  simulator?: boolean;
  log?: (line: string) => void;
  /** The stack's own notices (a function restarted, a message dead-lettered); default: log. */
  events?: (line: string) => void;
  /** Where .local files go (stack.json, secrets, logs). */
  localDir?: string;
  /** Bundle the functions first (default). Tests that already built them pass false. */
  build?: boolean;
  /** Use the ports the demo organisation expects (auth 8080, api 8081) when free; default true. */
  stablePorts?: boolean;
  /** Backoff between redeliveries of a failed message (default: production's, 10 s to 600 s). */
  backoff?: Backoff;
  /**
   * The simulator's organisations, given the ports the functions got (default: the demo organisation,
   * which is then onboarded). A custom seed is not onboarded: its caller does that through the routes.
   */
  seed?: (ports: ReadonlyMap<string, number>) => Promise<unknown>;
  /** Run the local cron scheduler (default true); the soak fires its own ticks. */
  scheduler?: boolean;
  /** Extra configuration for every function (the soak's short intervals). */
  functionEnv?: Record<string, string>;
  /** Serve the local console (clients/console) for the demo organisation; default true. */
  console?: boolean;
}

/** The demo organisation a newcomer signs in to, as the summary and stack.json name it. */
export interface DemoSummary {
  orgId: string;
  /** `id`: the Switchboard account (null for someone without one, such as a consumer account). */
  users: Array<{ email: string; id: string | null; role: "admin" | "user"; suspended?: true }>;
}

export interface RunningStack {
  projectId: string;
  services: Record<string, string>;
  demo?: DemoSummary;
  functions: ReadonlyMap<string, RunningFunction>;
  /** The local secrets file every function reads (SECRETS_BACKEND=local). */
  secretsFile: string;
  stop(): Promise<void>;
}

interface SimHandle {
  url: string;
  saml?: { metadataXml(idpId: string): string };
  stop(): Promise<void>;
}

/** Where the demo organisation's SAML app and OAuth client expect Switchboard (demo-org.json). */
const PREFERRED_PORTS: Record<string, number> = { auth: 8080, api: 8081, console: 5173 };
/** A client app in development (Vite's default port) is where sign-in and consent return. */
const DEV_APP_ORIGINS = ["http://localhost:5173", "http://127.0.0.1:5173"];
export const DEMO_APP_ORIGIN = DEV_APP_ORIGINS[0]!;

async function portFor(name: string, stable: boolean): Promise<number> {
  const preferred = PREFERRED_PORTS[name];
  if (stable && preferred !== undefined && (await isFree(preferred))) return preferred;
  return freePort();
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const SIM_ENTRY = join(ROOT, "tools", "workspace-sim", "src", "index.ts");
export const DEMO_ORG_FILE = join(ROOT, "tools", "workspace-sim", "demo", "demo-org.json");

/**
 * The demo organisation as the simulator should know it: its SAML app and OAuth client point at the
 * ports the auth and api functions really got, so a busy 8080 never breaks sign-in.
 */
export async function demoOrgSeed(ports: ReadonlyMap<string, number>): Promise<unknown> {
  let text = await readFile(DEMO_ORG_FILE, "utf8");
  for (const [name, preferred] of Object.entries(PREFERRED_PORTS)) {
    const actual = ports.get(name);
    if (actual !== undefined && actual !== preferred)
      text = text.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${preferred}\\b`, "g"), `$1:${actual}`);
  }
  return JSON.parse(text);
}

async function startSimulator(seed: unknown): Promise<SimHandle | undefined> {
  if (!existsSync(SIM_ENTRY)) return undefined;
  const sim = (await import(SIM_ENTRY)) as {
    startWorkspaceSim?: (options: Record<string, unknown>) => Promise<SimHandle>;
  };
  if (!sim.startWorkspaceSim) return undefined;
  return sim.startWorkspaceSim({ port: 0, seed });
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const events = options.events ?? log;
  const manifest = options.manifest ?? loadManifest();
  const projectId = options.projectId ?? "switchboard-local";
  const localDir = options.localDir ?? LOCAL_DIR;
  // Run in reverse order: the summary file goes last, once nothing it names is serving.
  const stoppers: Array<() => Promise<void>> = [() => rm(join(localDir, "stack.json"), { force: true })];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => {});
  };
  try {
    await mkdir(join(localDir, "logs"), { recursive: true });
    const [, emulators] = await Promise.all([
      options.build === false ? Promise.resolve([]) : buildAll(manifest.functions.map((f) => f.name)),
      options.emulators ? Promise.resolve(options.emulators) : startEmulators({ projectId }),
    ]);
    if (!options.emulators) stoppers.push(() => (emulators as RunningEmulators).stop());
    // The stack's own clients (demo seeding, scheduler) talk to the emulators too.
    process.env.FIRESTORE_EMULATOR_HOST = emulators.firestoreHost;
    process.env.PUBSUB_EMULATOR_HOST = emulators.pubsubHost;
    const ports = new Map<string, number>();
    for (const fn of manifest.functions)
      ports.set(fn.name, await portFor(fn.name, options.stablePorts ?? true));
    const consolePort = await portFor("console", options.stablePorts ?? true);
    const appOrigins = [
      ...new Set([...DEV_APP_ORIGINS, `http://localhost:${consolePort}`, `http://127.0.0.1:${consolePort}`]),
    ];
    const seed = options.seed ? await options.seed(ports) : await demoOrgSeed(ports);
    const sim = options.simulator === false ? undefined : await startSimulator(seed);
    if (sim) stoppers.push(() => sim.stop());

    const secretsFile = join(localDir, "secrets.json");
    await ensureLocalSecrets(secretsFile, [...new Set(manifest.functions.flatMap((f) => f.secrets))]);
    // The demo org's directory service account (domain-wide delegation): its key exists only in this sim.
    if (sim) {
      const stored = JSON.parse(await readFile(secretsFile, "utf8")) as Record<string, string>;
      const key = await fetch(
        `${sim.url}/_sim/service-accounts/${encodeURIComponent(DEMO_DIRECTORY_SERVICE_ACCOUNT)}/key`,
      );
      if (key.ok) stored["directory-sa-key"] = await key.text();
      await writeFile(secretsFile, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    }
    const env: Record<string, string> = {
      GOOGLE_CLOUD_PROJECT: projectId,
      SWITCHBOARD_ENV: "local",
      FIRESTORE_EMULATOR_HOST: emulators.firestoreHost,
      PUBSUB_EMULATOR_HOST: emulators.pubsubHost,
      SECRETS_BACKEND: "local",
      LOCAL_SECRETS_FILE: secretsFile,
      LOG_LEVEL: "DEBUG",
      ...(sim ? { GOOGLE_API_ROOT_URL: `${sim.url}/`, GOOGLE_OAUTH_BASE_URL: `${sim.url}/` } : {}),
    };

    const authUrl = `http://127.0.0.1:${ports.get("auth") ?? 0}`;
    Object.assign(env, {
      PUBLIC_AUTH_URL: authUrl,
      ...(ports.has("webhooks") ? { PUBLIC_WEBHOOKS_URL: `http://127.0.0.1:${ports.get("webhooks")}` } : {}),
      ALLOWED_RETURN_ORIGINS: appOrigins.join(","),
      DEFAULT_RETURN_URL: `${DEV_APP_ORIGINS[0]}/`,
      WEB_CLIENT_ORIGIN: DEV_APP_ORIGINS[0]!,
      GOOGLE_OAUTH_CLIENT_ID: DEMO_OAUTH_CLIENT.clientId,
      OAUTH_REDIRECT_URL: `${authUrl}/oauth/google/callback`,
      ...options.functionEnv,
    });

    const functions = new Map<string, RunningFunction>();
    await Promise.all(
      manifest.functions.map(async (fn: FunctionSpec) => {
        const logFile = join(localDir, "logs", `${fn.name}.log`);
        const running = await startFunction(fn, {
          env,
          port: ports.get(fn.name)!,
          output: (line) => {
            void appendFile(logFile, `${line}\n`);
            log(`[${fn.name}] ${line}`);
          },
          notify: (line) => events(`[stack] ${line}`),
        });
        functions.set(fn.name, running);
        stoppers.push(() => running.stop());
      }),
    );
    const wiring = await wirePubSub(manifest, {
      projectId,
      pubsubHost: emulators.pubsubHost,
      endpointOf: (fn) => functions.get(fn.name)?.url ?? "",
      backoff: options.backoff ?? PRODUCTION_BACKOFF,
      log: events,
    });
    stoppers.push(() => wiring.close());
    const subscriptions = wiring.subscriptions;

    let demoSummary: DemoSummary | undefined;
    let consoleUrl: string | undefined;
    if (!options.seed && sim?.saml && functions.has("api") && functions.has("auth")) {
      const demo = await onboardDemoOrg({
        projectId,
        demoFile: DEMO_ORG_FILE,
        secretsFile,
        apiUrl: functions.get("api")!.url,
        authUrl: functions.get("auth")!.url,
        simUrl: sim.url,
        returnUrl: env.DEFAULT_RETURN_URL!,
        metadataXml: (id) => sim.saml!.metadataXml(id),
      });
      log(
        `[stack] demo organisation ${demo.orgId} onboarded through the API (region GB, Europe/London), SAML set up by its admin, ${demo.users} accounts created`,
      );
      demoSummary = { orgId: demo.orgId, users: await demoUsers(projectId, demo.orgId) };
      if (options.console !== false) {
        const running = await startConsoleServer({
          port: consolePort,
          simUrl: sim.url,
          config: {
            apiUrl: functions.get("api")!.url,
            authUrl: functions.get("auth")!.url,
            orgId: demo.orgId,
            idpId: await demoIdpId(),
            returnTo: `http://localhost:${consolePort}/`,
            users: demoSummary.users,
          },
        });
        stoppers.push(() => running.stop());
        consoleUrl = running.url;
      }
    }

    const pubsub = pubsubClient(projectId, emulators.pubsubHost);
    stoppers.push(() => pubsub.close());
    const scheduler: LocalScheduler | undefined =
      options.scheduler === false
        ? undefined
        : startScheduler(manifest, {
            publish: (topic, payload) => pubsub.topic(topic).publishMessage({ json: payload }),
            onFire: (job, at) => log(`[scheduler] fired ${job} for ${at.toISOString()}`),
            onError: (job, error) => log(`[scheduler] ${job} failed to publish: ${(error as Error).message}`),
          });
    if (scheduler) stoppers.push(async () => scheduler.stop());

    const services: Record<string, string> = {
      firestore: `http://${emulators.firestoreHost}`,
      pubsub: `http://${emulators.pubsubHost}`,
      ...(sim ? { "workspace-sim": sim.url } : {}),
      ...Object.fromEntries([...functions].map(([name, fn]) => [name, fn.url])),
      ...(consoleUrl ? { console: consoleUrl } : {}),
    };
    const summary = {
      projectId,
      services,
      subscriptions,
      schedules: (scheduler?.jobs ?? []).map((j) => ({ ...j, next: j.next.toISOString() })),
      ...(demoSummary ? { demo: demoSummary } : {}),
      secretsFile,
      logs: join(localDir, "logs"),
    };
    await writeFile(join(localDir, "stack.json"), `${JSON.stringify(summary, null, 2)}\n`);
    return {
      projectId,
      services,
      functions,
      secretsFile,
      stop,
      ...(demoSummary ? { demo: demoSummary } : {}),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type DemoUser = { email: string; isAdmin?: boolean; suspended?: boolean; consumer?: boolean };
type DemoFile =
  | { users: DemoUser[]; idpId?: string }
  | { orgs: Array<{ users: DemoUser[]; idpId?: string }> };

const demoFirstOrg = async () => {
  const file = JSON.parse(await readFile(DEMO_ORG_FILE, "utf8")) as DemoFile;
  return "orgs" in file ? file.orgs[0] : file;
};

/** The demo organisation's Google IdP id (SAML sign-in through the simulator). */
const demoIdpId = async () => (await demoFirstOrg())?.idpId ?? "";

/** The onboarded demo organisation's people (the first organisation of the demo seed), with account ids. */
async function demoUsers(projectId: string, orgId: string): Promise<DemoSummary["users"]> {
  const users = (await demoFirstOrg())?.users ?? [];
  const db = new Firestore({ projectId });
  try {
    const accounts = await db.collection(`orgs/${orgId}/users`).select("email").get();
    const idOf = new Map(accounts.docs.map((d) => [String(d.get("email")).toLowerCase(), d.id]));
    return users.map((u) => ({
      email: u.email,
      id: idOf.get(u.email.toLowerCase()) ?? null,
      role: u.isAdmin ? "admin" : "user",
      ...(u.suspended ? { suspended: true as const } : {}),
    }));
  } finally {
    await db.terminate();
  }
}

export function describeStack(stack: RunningStack, localDir = LOCAL_DIR): string {
  const width = Math.max(...Object.keys(stack.services).map((k) => k.length));
  const lines = Object.entries(stack.services).map(([name, url]) => `  ${name.padEnd(width)}  ${url}`);
  const sim = stack.services["workspace-sim"];
  const demo = stack.demo
    ? [
        "",
        `Demo organisation ${stack.demo.orgId} (sign in as any of them; the simulated Google asks no password):`,
        ...stack.demo.users.map(
          (u) => `  ${u.email.padEnd(36)} ${u.role}${u.suspended ? " (suspended in Google)" : ""}`,
        ),
        `  npm run demo:token -- ${stack.demo.users[0]?.email ?? "<email>"}   prints an access token`,
      ]
    : [];
  return [
    `Switchboard local stack (project ${stack.projectId}), loopback only:`,
    ...lines,
    ...demo,
    "",
    ...(stack.services.console
      ? [`Console          ${stack.services.console} (sign in as any demo person)`]
      : []),
    ...(stack.services.api ? [`API description  ${stack.services.api}/v1/openapi.json`] : []),
    ...(sim
      ? [`Act as Google    ${sim}/_sim/… (the simulator's control API, tools/workspace-sim/README.md)`]
      : []),
    `Written to ${join(localDir, "stack.json")}. Ctrl-C or SIGTERM stops everything.`,
  ].join("\n");
}
