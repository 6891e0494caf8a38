import { calendar } from "@googleapis/calendar";
import { drive } from "@googleapis/drive";
import { gmail } from "@googleapis/gmail";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVE_SCOPES } from "../drive/routes";
import { GMAIL_SCOPES } from "../gmail/messages-api";
import { type RunningWorkspaceSim, simOAuthEndpoints, startWorkspaceSim } from "../index";
import { CALENDAR_SCOPES } from "./routes";
import { Receiver } from "./test-support";

const CLIENT = {
  clientId: "switchboard-local.apps.googleusercontent.com",
  clientSecret: "GOCSPX-local-simulator-secret",
};
const AMELIA = "amelia.hughes@northwind.example";
const RAFAEL = "rafael.costa@northwind.example";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startWorkspaceSim({ demo: true });
});
afterAll(() => sim.stop());

function auth(user: string, scopes: string[]): OAuth2Client {
  const tokens = sim.control.issueTokens({ user, clientId: CLIENT.clientId, scopes, offline: false });
  const client = new OAuth2Client({ ...CLIENT, endpoints: simOAuthEndpoints(sim.url) });
  client.setCredentials({ access_token: tokens.access_token });
  return client;
}

describe("the demo organisation's calendars, mail and files", () => {
  it("has a realistic week around now: recurring stand-up (one occurrence cancelled), 1:1s, a private appointment, OOO, focus time, a meeting in progress", async () => {
    const cal = calendar({
      version: "v3",
      rootUrl: `${sim.url}/`,
      auth: auth(AMELIA, [CALENDAR_SCOPES.readonly]),
      retry: false,
    });
    const now = sim.control.now().getTime();
    const week = await cal.events.list({
      calendarId: "primary",
      singleEvents: true,
      orderBy: "startTime",
      timeMin: new Date(now - 7 * 86_400_000).toISOString(),
      timeMax: new Date(now + 7 * 86_400_000).toISOString(),
      maxResults: 2500,
    });
    const items = week.data.items!;
    const standups = items.filter((e) => e.summary === "Daily stand-up");
    expect(standups.length).toBeGreaterThanOrEqual(4);
    expect(standups.length).toBeLessThan(10); // the cancelled Wednesday is not there
    expect(items.some((e) => e.summary?.startsWith("1:1 Amelia"))).toBe(true);
    expect(items.some((e) => e.conferenceData?.conferenceSolution?.key?.type === "hangoutsMeet")).toBe(true);
    const raw = await cal.events.list({ calendarId: "primary", iCalUID: standups[0]!.iCalUID! });
    expect(raw.data.items!.some((e) => e.status === "cancelled" && e.recurringEventId)).toBe(true);

    const all = sim.control.calendar;
    const types = [
      "priya.raman@northwind.example",
      "tom.becker@northwind.example",
      "hannah.okafor@northwind.example",
      AMELIA,
      RAFAEL,
    ].flatMap((u) => all.events(u).map((e) => `${e.eventType}:${e.visibility ?? "default"}`));
    expect(types).toEqual(
      expect.arrayContaining([
        "outOfOffice:default",
        "focusTime:default",
        "default:private",
        "workingLocation:public",
      ]),
    );

    // Someone is in a meeting right now.
    const fb = await cal.freebusy.query({
      requestBody: {
        timeMin: new Date(now).toISOString(),
        timeMax: new Date(now + 60_000).toISOString(),
        items: [{ id: AMELIA }, { id: RAFAEL }],
      },
    });
    expect(Object.values(fb.data.calendars!).some((c) => (c.busy ?? []).length > 0)).toBe(true);
  });

  it("has years of mail with contacts and shared docs between colleagues and with contacts", async () => {
    const mail = gmail({
      version: "v1",
      rootUrl: `${sim.url}/`,
      auth: auth(AMELIA, [GMAIL_SCOPES.readonly]),
      retry: false,
    });
    const withOliver = await mail.users.messages.list({
      userId: "me",
      q: "from:oliver.grant@fabrikam.example OR to:oliver.grant@fabrikam.example",
    });
    expect(withOliver.data.resultSizeEstimate).toBeGreaterThan(0);
    const old = await mail.users.messages.list({ userId: "me", q: "older_than:1y" });
    expect(old.data.resultSizeEstimate).toBeGreaterThan(0);

    const files = drive({
      version: "v3",
      rootUrl: `${sim.url}/`,
      auth: auth(AMELIA, [DRIVE_SCOPES.readonly]),
      retry: false,
    });
    const shared = await files.files.list({ q: "sharedWithMe", fields: "files(name,owners(emailAddress))" });
    expect(shared.data.files!.length).toBeGreaterThan(0);
    const external = await files.files.list({
      q: "'me' in owners and ('oliver.grant@fabrikam.example' in readers or 'oliver.grant@fabrikam.example' in writers)",
    });
    expect(external.data.files!.length).toBeGreaterThan(0);
  });

  it("acts as a person over the HTTP control API, and the change reaches a watch channel", async () => {
    const receiver = await new Receiver().start();
    try {
      const cal = calendar({
        version: "v3",
        rootUrl: `${sim.url}/`,
        auth: auth(RAFAEL, [CALENDAR_SCOPES.readonly]),
        retry: false,
      });
      await cal.events.watch({
        calendarId: "primary",
        requestBody: { id: "demo-chan", type: "web_hook", address: receiver.url, token: "t" },
      });
      await receiver.waitFor(1);
      const post = (path: string, body: unknown) =>
        fetch(`${sim.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const created = await post(`/_sim/calendar/users/${AMELIA}/events`, {
        summary: "Escalation call",
        start: { dateTime: new Date(Date.now() + 3_600_000).toISOString() },
        end: { dateTime: new Date(Date.now() + 5_400_000).toISOString() },
        attendees: [{ email: RAFAEL }],
      });
      expect(created.status).toBe(200);
      const event = (await created.json()) as { id: string };
      await receiver.waitFor(2);
      const declined = await post(`/_sim/calendar/users/${RAFAEL}/events/${event.id}/respond`, {
        responseStatus: "declined",
      });
      expect(declined.status).toBe(200);
      await receiver.waitFor(3);
      expect(receiver.states()).toEqual(["sync", "exists", "exists"]);
      const channels = (await (await fetch(`${sim.url}/_sim/calendar/channels`)).json()) as Array<{
        id: string;
      }>;
      expect(channels.map((c) => c.id)).toContain("demo-chan");
      const invalidate = await post(`/_sim/calendar/users/${RAFAEL}/invalidate-sync-tokens`, {});
      expect(invalidate.status).toBe(204);
    } finally {
      await receiver.stop();
    }
  });
});
