// Fixtures for the Calendar, Gmail and Drive contract tests (not a test file itself): real Google
// clients pointed at a simulator, and a loopback webhook receiver that records notifications.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import type { OAuth2Client } from "google-auth-library";
import type { RunningWorkspaceSim } from "../index";
import { bearer } from "../test-support";
import { CALENDAR_SCOPES } from "./routes";

export function calendarClient(
  sim: RunningWorkspaceSim,
  user: string,
  scopes: string[] = [CALENDAR_SCOPES.calendar],
): calendar_v3.Calendar {
  return calendar({
    version: "v3",
    rootUrl: `${sim.url}/`,
    auth: bearer(sim, user, scopes) as OAuth2Client,
    retry: false,
  });
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

/** A node:http webhook endpoint on 127.0.0.1 that answers `respond()` (200 by default) and records requests. */
export class Receiver {
  readonly received: Received[] = [];
  respond: (n: number, r: Received) => number = () => 200;
  private server: Server | undefined;
  private waiters: Array<() => void> = [];
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const r: Received = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: performance.now(),
        };
        this.received.push(r);
        res.writeHead(this.respond(this.received.length, r));
        res.end();
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/calendar`;
    return this;
  }

  /** Waits until at least `n` requests arrived (or throws after `timeoutMs`). */
  async waitFor(n: number, timeoutMs = 3000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} notifications, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  states(): string[] {
    return this.received.map((r) => String(r.headers["x-goog-resource-state"]));
  }

  numbers(): number[] {
    return this.received.map((r) => Number(r.headers["x-goog-message-number"]));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
