// Workspace simulator, part 2: Calendar push latency as a webhook sees it (event change → notification
// at a loopback receiver, over ~50 changes, median and p95), and seeding throughput for calendar events
// and Gmail messages.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { calendar } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import { CALENDAR_SCOPES, simOAuthEndpoints, startWorkspaceSim } from "../tools/workspace-sim/src/index";
import type { Bench, Figure } from "./bench";

const CLIENT = { clientId: "bench.apps.googleusercontent.com", clientSecret: "GOCSPX-bench" };
const CHANGES = 50;
const TIMEOUT_MS = 2000;

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

async function notificationLatency(): Promise<{ median: number; p95: number; delivered: number }> {
  const sim = await startWorkspaceSim({
    seed: {
      domain: "bench.test",
      users: [{ email: "alice@bench.test", givenName: "Alice", familyName: "Bench" }],
      oauthClients: [{ clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret }],
    },
  });
  let waiter: ((at: number) => void) | undefined;
  const receiver = createServer((req, res) => {
    const at = performance.now();
    req.resume();
    req.on("end", () => {
      res.writeHead(200).end();
      if (req.headers["x-goog-resource-state"] === "exists") waiter?.(at);
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  try {
    const tokens = sim.control.issueTokens({
      user: "alice@bench.test",
      clientId: CLIENT.clientId,
      scopes: [CALENDAR_SCOPES.calendar],
      offline: false,
    });
    const auth = new OAuth2Client({ ...CLIENT, endpoints: simOAuthEndpoints(sim.url) });
    auth.setCredentials({ access_token: tokens.access_token });
    const cal = calendar({ version: "v3", rootUrl: `${sim.url}/`, auth, retry: false });
    await cal.events.watch({
      calendarId: "primary",
      requestBody: {
        id: "bench",
        type: "web_hook",
        address: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        token: "t",
      },
    });
    await new Promise((r) => setTimeout(r, 100)); // let the sync message go first
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const arrived = new Promise<number | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), TIMEOUT_MS);
        waiter = (at) => {
          clearTimeout(t);
          resolve(at);
        };
      });
      const start = performance.now();
      sim.control.calendar.createEvent("alice@bench.test", {
        summary: `Change ${i}`,
        start: { dateTime: new Date(Date.UTC(2030, 0, 1, 8, i)).toISOString() },
        end: { dateTime: new Date(Date.UTC(2030, 0, 1, 8, i + 1)).toISOString() },
      });
      const at = await arrived;
      waiter = undefined;
      if (at !== undefined) latencies.push(at - start);
    }
    return { median: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), delivered: latencies.length };
  } finally {
    await new Promise<void>((r) => {
      receiver.close(() => r());
      receiver.closeAllConnections();
    });
    await sim.stop();
  }
}

async function seedingRates(): Promise<{ eventsPerSec: number; messagesPerSec: number }> {
  const users = Array.from({ length: 10 }, (_, i) => ({
    email: `user${i}@seed.test`,
    givenName: `User${i}`,
    familyName: "Seed",
    generatedContacts: 20,
  }));
  const sim = await startWorkspaceSim({ seed: { domain: "seed.test", users } });
  try {
    const EVENTS = 3000;
    let t = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      const start = Date.UTC(2030, 0, 1) + i * 1_800_000;
      sim.control.calendar.createEvent(`user${i % 10}@seed.test`, {
        summary: `Meeting ${i}`,
        start: { dateTime: new Date(start).toISOString() },
        end: { dateTime: new Date(start + 1_800_000).toISOString() },
        attendees: [{ email: `user${(i + 1) % 10}@seed.test` }],
        ...(i % 10 === 0
          ? {
              recurrence: ["RRULE:FREQ=WEEKLY;COUNT=10"],
              start: { dateTime: new Date(start).toISOString(), timeZone: "Europe/London" },
              end: { dateTime: new Date(start + 1_800_000).toISOString(), timeZone: "Europe/London" },
            }
          : {}),
      });
    }
    const eventsPerSec = EVENTS / ((performance.now() - t) / 1000);
    t = performance.now();
    const { delivered } = sim.control.gmail.seedMailHistory("seed.test", { years: 3 });
    const messagesPerSec = delivered / ((performance.now() - t) / 1000);
    return { eventsPerSec, messagesPerSec };
  } finally {
    await sim.stop();
  }
}

const bench: Bench = {
  name: "workspace-sim-calendar",
  description:
    "Workspace simulator part 2: Calendar push latency (change → webhook), events and Gmail messages seeded per second",
  async run(): Promise<Figure[]> {
    const latency = await notificationLatency();
    const rates = await seedingRates();
    return [
      { name: "workspace_sim.calendar.notification_latency_median", value: latency.median, unit: "ms" },
      { name: "workspace_sim.calendar.notification_latency_p95", value: latency.p95, unit: "ms" },
      {
        name: "workspace_sim.calendar.notifications_delivered",
        value: latency.delivered,
        unit: `of ${CHANGES}`,
      },
      {
        name: "workspace_sim.calendar.events_seeded_per_sec",
        value: Math.round(rates.eventsPerSec),
        unit: "events/s",
      },
      {
        name: "workspace_sim.gmail.messages_seeded_per_sec",
        value: Math.round(rates.messagesPerSec),
        unit: "messages/s",
      },
    ];
  },
};

export default bench;
