// `npm start`'s stack, started the way the command starts it (on the test run's emulators).
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Firestore } from "@google-cloud/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest, type Manifest } from "../../functions/manifest";
import { useEmulators } from "../testing/emulator-env";
import { eventually } from "../testing/eventually";
import { pubsubClient } from "./pubsub-wiring";
import { startScheduler } from "./scheduler";
import { type RunningStack, startStack } from "./stack";

const emulators = useEmulators("stack");
let stack: RunningStack;
let localDir: string;
const events: string[] = [];

beforeAll(async () => {
  localDir = await mkdtemp(join(tmpdir(), "sb-stack-"));
  stack = await startStack({
    projectId: emulators.projectId,
    emulators,
    localDir,
    build: false,
    stablePorts: false,
    log: () => {},
    events: (line) => events.push(line),
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe("local stack", () => {
  it("runs every manifest function and records where in stack.json", async () => {
    const written = JSON.parse(await readFile(join(localDir, "stack.json"), "utf8")) as {
      services: Record<string, string>;
    };
    for (const fn of loadManifest().functions)
      expect(written.services[fn.name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(written.services).toEqual(stack.services);
    const res = await fetch(`${stack.services.api}/readyz`);
    expect(res.status).toBe(200);
  });

  it("delivers a message on a topic to its function through a push subscription", async () => {
    const pubsub = pubsubClient(emulators.projectId, emulators.pubsubHost);
    await pubsub.topic("audit-events").publishMessage({
      json: {
        id: "stack-1",
        orgId: "org-s",
        action: "stack.smoke.tested",
        outcome: "success",
        actor: { type: "system", id: "test" },
        occurredAt: new Date().toISOString(),
      },
    });
    await pubsub.close();
    const db = new Firestore({ projectId: emulators.projectId });
    const deadline = Date.now() + 10_000;
    while (!(await db.doc("orgs/org-s/audit/stack-1").get()).exists && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await db.doc("orgs/org-s/audit/stack-1").get()).exists).toBe(true);
    await db.terminate();
  });

  it("restarts a function process that dies, on the same URL, and says so", async () => {
    const api = stack.functions.get("api")!;
    const killed = api.process;
    killed.kill("SIGKILL");
    await eventually(async () => (api.restarts === 1 && events.length >= 2 ? true : undefined), 60_000);
    expect(events).toEqual([
      `[stack] function api exited unexpectedly (signal SIGKILL); restarting it on port ${api.port} in 100 ms`,
      `[stack] function api restarted on port ${api.port} (restart 1)`,
    ]);
    expect(api.process.pid).not.toBe(killed.pid);
    expect((await fetch(`${stack.services.api}/readyz`)).status).toBe(200);
  }, 90_000);

  it("onboards the demo organisation through the API: region GB, Europe/London, SAML set up by its admin", async () => {
    const db = new Firestore({ projectId: emulators.projectId });
    try {
      const org = (await db.doc("orgs/northwind").get()).data()!;
      expect(org).toMatchObject({
        primaryDomain: "northwind.example",
        defaultRegion: "GB",
        defaultTimeZone: "Europe/London",
        createdBy: "telephony",
        sso: { idpEntityId: expect.any(String), allowIdpInitiated: true },
      });
      expect((await db.collection("orgDomains").doc("northwind.example").get()).get("orgId")).toBe(
        "northwind",
      );
      const admins = await db.collection("orgs/northwind/users").where("role", "==", "admin").get();
      expect(admins.docs.map((d) => d.get("email"))).toEqual(["amelia.hughes@northwind.example"]);
      // The admin's Google sign-in connected Contacts.
      const grants = await db.collection(`orgs/northwind/users/${admins.docs[0]!.id}/grants`).get();
      expect(grants.docs.map((d) => d.get("integrations"))).toEqual([["contacts"]]);
    } finally {
      await db.terminate();
    }
  });

  it("creates a local secrets file outside the repo's tracked files", async () => {
    const secrets = JSON.parse(await readFile(join(localDir, "secrets.json"), "utf8"));
    expect(typeof secrets).toBe("object");
  });
});

describe("local scheduler", () => {
  it("publishes each scheduled job's message to its topic when the cron fires", async () => {
    const [api] = loadManifest().functions;
    const manifest: Manifest = {
      functions: [
        {
          ...api!,
          name: "tick",
          trigger: "schedule",
          topic: "ticks",
          schedule: "* * * * *",
          timeZone: "Etc/UTC",
          retry: true,
          maxDeliveryAttempts: 5,
          public: false,
        },
      ],
    };
    // A clock 50 ms before a minute boundary, so the job fires almost at once.
    const start = Date.now();
    const offset = Math.ceil(start / 60_000) * 60_000 - 50 - start;
    const published: Array<[string, unknown]> = [];
    const scheduler = startScheduler(manifest, {
      now: () => new Date(Date.now() + offset),
      publish: async (topic, payload) => void published.push([topic, payload]),
    });
    await new Promise((r) => setTimeout(r, 300));
    scheduler.stop();
    expect(published).toEqual([["ticks", { function: "tick", schedule: "* * * * *", timeZone: "Etc/UTC" }]]);
  });
});
