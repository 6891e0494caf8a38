// The presence capability's entry: what other capabilities may ask of it. Everything else is internal.
export { type CurrentMeetingQuery, currentMeetingQuery } from "./current-meeting";
