// Each API's errors in the envelope Google uses for it, through the real clients: Calendar, Gmail, Drive
// and Directory send only the classic `errors[{domain, reason, message}]` (calendar/api/guides/errors);
// People adds `status` and an ErrorInfo detail (googleapis/google-api-go-client#1904).
import { calendar } from "@googleapis/calendar";
import { drive } from "@googleapis/drive";
import { gmail } from "@googleapis/gmail";
import type { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALENDAR_SCOPES } from "./calendar/routes";
import { calendarClient } from "./calendar/test-support";
import { DRIVE_SCOPES } from "./drive/routes";
import { GMAIL_SCOPES } from "./gmail/messages-api";
import { type RunningWorkspaceSim, SCOPES } from "./index";
import {
  ADMIN,
  ALICE,
  BOB,
  bearer,
  directoryClient,
  googleError,
  peopleClient,
  startTestSim,
} from "./test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

const at = (iso: string) => ({ dateTime: iso, timeZone: "UTC" });

describe("classic envelope: errors[] only, no status, no ErrorInfo", () => {
  it("Calendar's 410 for a dead sync token is exactly what Google logs (KeepSoftwareSimple/compass-calendar#1239)", async () => {
    const cal = calendarClient(sim, BOB, [CALENDAR_SCOPES.calendar]);
    await cal.events.insert({
      calendarId: "primary",
      requestBody: { summary: "1:1", start: at("2030-02-01T10:00:00Z"), end: at("2030-02-01T10:30:00Z") },
    });
    const full = await cal.events.list({ calendarId: "primary" });
    sim.control.calendar.invalidateSyncTokens(BOB);
    const err = await googleError(
      cal.events.list({ calendarId: "primary", syncToken: full.data.nextSyncToken! }),
    );
    expect(err.status).toBe(410);
    expect(err.body).toEqual({
      error: {
        code: 410,
        message: "Sync token is no longer valid, a full sync is required.",
        errors: [
          {
            domain: "calendar",
            reason: "fullSyncRequired",
            message: "Sync token is no longer valid, a full sync is required.",
            locationType: "parameter",
            location: "syncToken",
          },
        ],
      },
    });
  });

  it("Directory, Gmail and Drive: a 404 carries errors[] and nothing else", async () => {
    const dir = directoryClient(sim, bearer(sim, ADMIN, [SCOPES.adminUserReadonly]));
    const mail = gmail({
      version: "v1",
      rootUrl: `${sim.url}/`,
      auth: bearer(sim, ALICE, [GMAIL_SCOPES.readonly]) as OAuth2Client,
      retry: false,
    });
    const files = drive({
      version: "v3",
      rootUrl: `${sim.url}/`,
      auth: bearer(sim, ALICE, [DRIVE_SCOPES.readonly]) as OAuth2Client,
      retry: false,
    });
    const errors = await Promise.all([
      googleError(dir.users.get({ userKey: "nobody@acme.test" })),
      googleError(mail.users.messages.get({ userId: "me", id: "nope" })),
      googleError(files.files.get({ fileId: "nope" })),
    ]);
    for (const err of errors) {
      expect(err.status).toBe(404);
      expect(Object.keys(err.body.error).sort()).toEqual(["code", "errors", "message"]);
      expect(err.body.error.errors[0]).toMatchObject({
        reason: expect.any(String),
        domain: expect.any(String),
      });
    }
  });

  it("an injected quota error on Calendar is classic too: the reason is only in errors[]", async () => {
    sim.control.injectFault({ api: "calendar", fail: "403", times: 1 });
    // Without a refresh token: the real client would otherwise refresh and retry on a 403.
    const cal = calendar({
      version: "v3",
      rootUrl: `${sim.url}/`,
      auth: bearer(sim, ALICE, [CALENDAR_SCOPES.calendar], { offline: false }) as OAuth2Client,
      retry: false,
    });
    const err = await googleError(cal.events.list({ calendarId: "primary" }));
    expect(err.status).toBe(403);
    expect(err.body.error).toEqual({
      code: 403,
      message: "Rate Limit Exceeded",
      errors: [{ message: "Rate Limit Exceeded", domain: "usageLimits", reason: "rateLimitExceeded" }],
    });
  });
});

describe("rich envelope", () => {
  it("People: status and an ErrorInfo detail beside errors[]", async () => {
    sim.control.injectFault({ api: "people", fail: "429", times: 1 });
    const api = peopleClient(sim, bearer(sim, ALICE, [SCOPES.contacts]));
    const err = await googleError(
      api.people.connections.list({ resourceName: "people/me", personFields: "names" }),
    );
    expect(err.status).toBe(429);
    expect(err.body.error).toMatchObject({
      code: 429,
      status: "RESOURCE_EXHAUSTED",
      errors: [{ reason: "rateLimitExceeded" }],
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMIT_EXCEEDED" }],
    });
  });

  it("insufficient scopes, answered by Google's front end, carry ErrorInfo on Gmail too (googleworkspace/php-samples#123)", async () => {
    const mail = gmail({
      version: "v1",
      rootUrl: `${sim.url}/`,
      auth: bearer(sim, ALICE, [SCOPES.contacts]) as OAuth2Client,
      retry: false,
    });
    const err = await googleError(mail.users.messages.list({ userId: "me" }));
    expect(err.status).toBe(403);
    expect(err.body.error).toMatchObject({
      status: "PERMISSION_DENIED",
      errors: [{ reason: "insufficientPermissions" }],
      details: [{ reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT" }],
    });
  });
});
