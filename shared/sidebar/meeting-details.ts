// One-click meeting details: creates a meeting room (id, PIN, join URL on the web client) and writes it
// into a calendar event — a marked block in the description (meeting-block.ts) with the org's dial-in
// numbers, the join link as location when empty — tagged in extendedProperties.private, so doing it
// again updates the block (same room) and removing it restores the description. conferenceData is never
// written: Google refuses `addOn` conference data from a client that is not a Calendar-conferencing
// Marketplace add-on and silently drops it without a key type (openclaw/gogcli#590), so the port has
// no field for it and an event's own conference (e.g. Meet) is left as it is.
import { randomInt } from "node:crypto";
import type { Firestore } from "@google-cloud/firestore";
import { z } from "zod";
import type { CalendarEventResource, CalendarEventsApi } from "../google/calendar-events-api";
import { AppError } from "../platform/errors";
import { parseDocument, StoredDate } from "../platform/firestore";
import { groupDialIn } from "./dial-in";
import type { DialInRepository } from "./dial-in-settings";
import { DESCRIPTION_LIMIT, fitMeetingBlock, stripMeetingBlock } from "./meeting-block";

export const PROP_ROOM = "switchboardMeetingRoom";
export const PROP_LOCATION = "switchboardMeetingSetLocation";

export interface MeetingRoom {
  room: string;
  orgId: string;
  ownerUserId: string;
  calendarId: string;
  eventId: string;
  pin: string;
  createdAt: Date;
}

const StoredMeetingRoom: z.ZodType<MeetingRoom> = z.object({
  room: z.string(),
  orgId: z.string(),
  ownerUserId: z.string(),
  calendarId: z.string(),
  eventId: z.string(),
  pin: z.string(),
  createdAt: StoredDate,
});

export interface MeetingRooms {
  get(room: string): Promise<MeetingRoom | undefined>;
  create(room: MeetingRoom): Promise<void>;
  delete(room: string): Promise<void>;
}

export function firestoreMeetingRooms(db: () => Firestore): MeetingRooms {
  const col = () => db().collection("meetingRooms");
  return {
    async get(room) {
      return parseDocument(StoredMeetingRoom, await col().doc(room).get());
    },
    async create(room) {
      await col().doc(room.room).create(room);
    },
    async delete(room) {
      await col().doc(room).delete();
    },
  };
}

const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
export const newRoomId = () =>
  Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
export const newPin = () => String(randomInt(0, 1_000_000)).padStart(6, "0");
export const ROOM_ID = /^[a-z2-9]{12}$/;

export const joinUrlOf = (webOrigin: string, room: string) => `${webOrigin.replace(/\/+$/, "")}/meet/${room}`;

export interface MeetingDetailsDeps {
  eventsFor(user: { orgId: string; userId: string }): CalendarEventsApi;
  rooms: MeetingRooms;
  dialIn: DialInRepository;
  /** The organiser's country (the org's default region). */
  countryOf(orgId: string): Promise<string | undefined>;
  webOrigin(): string;
  clock?: () => Date;
}

export interface MeetingDetailsResult {
  room: string;
  joinUrl: string;
  pin: string;
  eventId: string;
  updated: boolean;
}

export function meetingDetails(deps: MeetingDetailsDeps) {
  const clock = deps.clock ?? (() => new Date());

  async function editable(user: { orgId: string; userId: string }, calendarId: string, eventId: string) {
    const api = deps.eventsFor(user);
    const event = await api.getEvent(calendarId, eventId);
    if (!event) throw new AppError("not_found", "No such event in your calendar");
    // The organiser, or an editor of the organiser's calendar (Google enforces the writer role on patch).
    const organiser =
      event.organizer?.self === true || (calendarId !== "primary" && event.organizer?.email === calendarId);
    if (!organiser)
      throw new AppError("forbidden", "Only the organiser or an editor of the event can add meeting details");
    return { api, event };
  }

  return {
    async add(
      user: { orgId: string; userId: string },
      calendarId: string,
      eventId: string,
    ): Promise<MeetingDetailsResult> {
      const { api, event } = await editable(user, calendarId, eventId);
      const privateProps = event.extendedProperties?.private ?? {};
      let room = privateProps[PROP_ROOM] ? await deps.rooms.get(privateProps[PROP_ROOM]) : undefined;
      if (room && room.orgId !== user.orgId) room = undefined;
      if (!room) {
        room = {
          room: newRoomId(),
          orgId: user.orgId,
          ownerUserId: user.userId,
          calendarId,
          eventId,
          pin: newPin(),
          createdAt: clock(),
        };
        await deps.rooms.create(room);
      }
      const [settings, country] = await Promise.all([
        deps.dialIn.get(user.orgId),
        deps.countryOf(user.orgId),
      ]);
      const joinUrl = joinUrlOf(deps.webOrigin(), room.room);
      // Within Google's description limit: the number list is trimmed behind a "more numbers" link.
      const description = fitMeetingBlock(event.description, {
        joinUrl,
        pin: room.pin,
        dialIn: groupDialIn(settings.numbers, country),
      });
      if (description === undefined) {
        throw new AppError(
          "invalid_request",
          `The event's description is too long to add meeting details (Google keeps descriptions to ${DESCRIPTION_LIMIT} characters)`,
          { details: { reason: "description_too_long", limit: DESCRIPTION_LIMIT } },
        );
      }
      const setLocation = !event.location?.trim() || privateProps[PROP_LOCATION] === "1";
      const unchanged =
        description === (event.description ?? "") &&
        (!setLocation || event.location === joinUrl) &&
        privateProps[PROP_ROOM] === room.room;
      if (!unchanged) {
        await api.patchEvent(calendarId, eventId, {
          description,
          ...(setLocation ? { location: joinUrl } : {}),
          extendedProperties: {
            private: { [PROP_ROOM]: room.room, ...(setLocation ? { [PROP_LOCATION]: "1" } : {}) },
          },
        });
      }
      return { room: room.room, joinUrl, pin: room.pin, eventId, updated: !unchanged };
    },

    async remove(
      user: { orgId: string; userId: string },
      calendarId: string,
      eventId: string,
    ): Promise<{ removed: boolean }> {
      const { api, event } = await editable(user, calendarId, eventId);
      const privateProps = event.extendedProperties?.private ?? {};
      const roomId = privateProps[PROP_ROOM];
      const description = stripMeetingBlock(event.description);
      if (!roomId && description === (event.description ?? "")) return { removed: false };
      const joinUrl = roomId ? joinUrlOf(deps.webOrigin(), roomId) : undefined;
      // The location goes only if we set it and nobody changed it since.
      const clearLocation = privateProps[PROP_LOCATION] === "1" && event.location === joinUrl;
      await api.patchEvent(calendarId, eventId, {
        description,
        ...(clearLocation ? { location: "" } : {}),
        extendedProperties: { private: { [PROP_ROOM]: null, [PROP_LOCATION]: null } },
      });
      if (roomId) await deps.rooms.delete(roomId);
      return { removed: true };
    },
  };
}

export type MeetingDetails = ReturnType<typeof meetingDetails>;
export type { CalendarEventResource };
