// `npm start` as a developer runs it, in its own process tree: with the auth function's preferred port
// (8080) taken, sign-in still works because the simulated Google is told the ports really used; the
// functions listen on loopback only; SIGTERM to npm stops every process the stack started and removes
// its stack.json.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../build/build";
import { eventually } from "../testing/eventually";
import { parentOf as parentOfProcess } from "./ancestor-watch";
import { samlSignIn } from "./saml-sign-in";
import { DEMO_APP_ORIGIN, type DemoSummary } from "./stack";

let npm: ChildProcess;
let localDir: string;
let blocker: Server | undefined;
let output = "";
let summary: { services: Record<string, string>; demo: DemoSummary };

/** Every process below `root`, read from /proc (emulators run in process groups of their own). */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOfProcess(Number(entry)); // undefined once exited
    if (parent !== undefined) parentOf.set(Number(entry), parent);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf)
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
  };
  walk(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Takes 127.0.0.1:8080 for the test's length, as another program on a developer's machine might. */
const occupy8080 = () =>
  new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined)); // already taken by something else: just as good
    server.listen(8080, "127.0.0.1", () => resolve(server));
  });

beforeAll(async () => {
  blocker = await occupy8080();
  localDir = await mkdtemp(join(tmpdir(), "sb-npm-start-"));
  // The stack starts emulators of its own, as on a developer's machine.
  const { FIRESTORE_EMULATOR_HOST: _f, PUBSUB_EMULATOR_HOST: _p, ...env } = process.env;
  npm = spawn("npm", ["start", "--", "--quiet", "--no-build"], {
    cwd: ROOT,
    env: { ...env, SWITCHBOARD_LOCAL_DIR: localDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  npm.stdout?.on("data", (chunk) => (output += chunk));
  npm.stderr?.on("data", (chunk) => (output += chunk));
  await eventually(async () => (output.includes("stops everything") ? true : undefined), 150_000, 250);
  summary = JSON.parse(await readFile(join(localDir, "stack.json"), "utf8"));
}, 180_000);

afterAll(async () => {
  blocker?.close();
  if (npm?.pid && alive(npm.pid)) npm.kill("SIGKILL");
});

describe("npm start", () => {
  it("signs a demo user in although port 8080 was taken", async () => {
    expect(summary.services.auth).not.toBe("http://127.0.0.1:8080");
    const admin = summary.demo.users.find((u) => u.role === "admin")!;
    const session = await samlSignIn(
      {
        authUrl: summary.services.auth!,
        apiUrl: summary.services.api!,
        orgId: summary.demo.orgId,
        returnTo: `${DEMO_APP_ORIGIN}/`,
      },
      admin.email,
    );
    const me = await fetch(`${summary.services.api}/v1/me`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(me.status).toBe(200);
    expect(output).toContain(admin.email); // the summary names the demo users
    expect(output).toContain("/v1/openapi.json");
  });

  it("prints a working access token with npm run demo:token", async () => {
    const user = summary.demo.users.find((u) => u.role === "user" && !u.suspended)!;
    // Asynchronously: a blocked event loop would miss the api closing an idle keep-alive connection.
    const { stdout } = await promisify(execFile)("npm", ["run", "-s", "demo:token", "--", user.email], {
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_LOCAL_DIR: localDir },
      encoding: "utf8",
    });
    const token = stdout.trim();
    const me = await fetch(`${summary.services.api}/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toMatchObject({ email: user.email });
  });

  it("serves the functions on loopback only", async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    if (!external) return; // a machine with loopback only has nothing else to refuse
    const port = new URL(summary.services.api!).port;
    const refused = await fetch(`http://${external}:${port}/healthz`).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
  });

  it("stops every process it started when npm gets SIGTERM, and removes stack.json", async () => {
    const started = descendantsOf(npm.pid!);
    expect(started.length).toBeGreaterThan(10); // tsx, node, emulators, the functions
    npm.kill("SIGTERM");
    const left = await eventually(
      async () => {
        const still = started.filter(alive);
        return still.length === 0 ? still : undefined;
      },
      60_000,
      250,
    );
    expect(left).toEqual([]);
    expect(existsSync(join(localDir, "stack.json"))).toBe(false);
  }, 90_000);
});
