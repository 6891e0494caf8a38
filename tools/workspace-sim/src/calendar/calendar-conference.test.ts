// Third-party conference data and description size, through the real @googleapis/calendar client.
// Sources: openclaw/gogcli#590 (live matrix: addOn from a non-Marketplace client → 400 "Invalid conference
// data"; without key.type → 200 and the data silently stripped); calendar v3 ConferenceData / EntryPoint
// schema (zero or one video, sip and more entry point; a conference with only `more` is invalid; regionCode
// is populated only for phone entry points); Nylas support "Event Description Limits" and
// rjhorniii/ical2org#16 (descriptions capped near 8,192 characters; the API error is unconfirmed, the
// simulator refuses with 400, the harsher reading).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningWorkspaceSim } from "../index";
import { ALICE, CLIENT, googleError, startTestSim } from "../test-support";
import { calendarClient } from "./test-support";

let sim: RunningWorkspaceSim;
beforeAll(async () => {
  sim = await startTestSim();
});
afterAll(() => sim.stop());

let n = 0;
const slot = () => {
  n++;
  const day = String(1 + n).padStart(2, "0");
  return {
    start: { dateTime: `2034-03-${day}T09:00:00Z` },
    end: { dateTime: `2034-03-${day}T09:30:00Z` },
  };
};
const video = { entryPointType: "video", uri: "https://video.example/abc", label: "video.example/abc" };
const phone = {
  entryPointType: "phone",
  uri: "tel:+44-20-7946-0000",
  label: "+44 20 7946 0000",
  regionCode: "GB",
};
const more = { entryPointType: "more", uri: "https://video.example/abc/numbers" };
const conference = (type: string | undefined, entryPoints: object[] = [video, phone]) => ({
  conferenceSolution: { ...(type ? { key: { type } } : {}), name: "Acme Video" },
  conferenceId: "abc",
  entryPoints,
});

async function insert(conferenceData: object) {
  return calendarClient(sim, ALICE).events.insert({
    calendarId: "primary",
    conferenceDataVersion: 1,
    requestBody: { ...slot(), summary: "Call", conferenceData },
  });
}

describe("conference data from a REST client (realistic by default)", () => {
  it("addOn from a client that is not a Marketplace add-on → 400 'Invalid conference data' (gogcli#590)", async () => {
    const refused = await googleError(insert(conference("addOn")));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("Invalid conference data");
    // The same data from a client registered as a conferencing add-on is stored.
    sim.control.calendar.configure({ addOnClientIds: [CLIENT.clientId] });
    try {
      expect((await insert(conference("addOn"))).data.conferenceData?.conferenceId).toBe("abc");
    } finally {
      sim.control.calendar.configure({ addOnClientIds: [] });
    }
  });

  it("without conferenceSolution.key.type the write succeeds and the conference data is dropped silently (gogcli#590)", async () => {
    const res = await insert(conference(undefined));
    expect(res.status).toBe(200);
    expect(res.data.conferenceData).toBeUndefined();
    const got = await calendarClient(sim, ALICE).events.get({ calendarId: "primary", eventId: res.data.id! });
    expect(got.data.conferenceData).toBeUndefined();
  });

  it("entry points: at most one video, sip and more; not only `more`; regionCode on phone only (EntryPoint schema)", async () => {
    const cases: object[][] = [
      [video, { ...video, uri: "https://video.example/other" }],
      [
        video,
        { entryPointType: "sip", uri: "sip:abc@video.example" },
        { entryPointType: "sip", uri: "sip:def@video.example" },
      ],
      [video, more, { ...more, uri: "https://video.example/more2" }],
      [more],
      [{ ...video, regionCode: "GB" }],
    ];
    for (const entryPoints of cases) {
      const refused = await googleError(insert(conference("hangoutsMeet", entryPoints)));
      expect(refused.status).toBe(400);
    }
    // Several phone numbers, one video, one more: a valid copy (e.g. of a Meet conference).
    const ok = await insert(
      conference("hangoutsMeet", [
        video,
        phone,
        { ...phone, uri: "tel:+1-212-555-0100", regionCode: "US" },
        more,
      ]),
    );
    expect(ok.data.conferenceData?.entryPoints).toHaveLength(4);
  });
});

describe("event description size (8,192 characters, unconfirmed: refused beyond)", () => {
  it("accepts 8,192 characters and refuses 8,193 with 400, on insert and on patch", async () => {
    const cal = calendarClient(sim, ALICE);
    const ok = await cal.events.insert({
      calendarId: "primary",
      requestBody: { ...slot(), summary: "Long", description: "x".repeat(8_192) },
    });
    expect(ok.data.description).toHaveLength(8_192);
    const tooLong = await googleError(
      cal.events.insert({
        calendarId: "primary",
        requestBody: { ...slot(), description: "x".repeat(8_193) },
      }),
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.errors[0].reason).toBe("invalid");
    const patched = await googleError(
      cal.events.patch({
        calendarId: "primary",
        eventId: ok.data.id!,
        requestBody: { description: `${"y".repeat(8_193)}` },
      }),
    );
    expect(patched.status).toBe(400);
    const stored = await cal.events.get({ calendarId: "primary", eventId: ok.data.id! });
    expect(stored.data.description).toBe("x".repeat(8_192));
  });
});
