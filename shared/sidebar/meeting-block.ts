// The meeting-details block in an event's description (pure): rendered between two marker lines, so
// adding it again replaces it and removing it restores exactly the description around it.
import type { DialInGroup } from "./dial-in";

export const BLOCK_START = "───── Switchboard meeting (added automatically; edits inside are replaced) ─────";
export const BLOCK_END = "───── End of Switchboard meeting ─────";

/**
 * Google Calendar keeps event descriptions to about 8,192 characters (Nylas "Event Description Limits",
 * rjhorniii/ical2org#16; the API's answer beyond it is unconfirmed, so we never go beyond).
 */
export const DESCRIPTION_LIMIT = 8_192;

export interface MeetingBlock {
  joinUrl: string;
  pin: string;
  dialIn: DialInGroup[];
}

/** Where the full list of numbers is when the block shows only some: the join page's dial-in section. */
export const moreNumbersUrl = (joinUrl: string) => `${joinUrl}#dial-in`;

/** The block; with `maxNumbers`, only the first that many numbers, then a "more numbers" link. */
export function renderMeetingBlock(m: MeetingBlock, maxNumbers = Number.POSITIVE_INFINITY): string {
  const lines = [BLOCK_START, `Join the meeting: ${m.joinUrl}`, `Meeting PIN: ${m.pin}`];
  const numbers = m.dialIn.flatMap((g) => g.numbers.map((n) => ({ ...n, countryName: g.countryName })));
  if (numbers.length > 0) {
    const shown = numbers.slice(0, maxNumbers);
    lines.push("", "Join by phone:");
    for (const n of shown) lines.push(`  ${n.countryName}: ${n.number}${n.label ? ` (${n.label})` : ""}`);
    if (shown.length < numbers.length) lines.push(`  More numbers: ${moreNumbersUrl(m.joinUrl)}`);
    lines.push(`Then enter the PIN ${m.pin} followed by #`);
  }
  lines.push(BLOCK_END);
  return lines.join("\n");
}

/**
 * The description with the block, within `limit` characters: numbers are dropped from the end (the
 * organiser's country comes first, so it stays) behind a "more numbers" link. Undefined when even the
 * block without numbers does not fit beside the organiser's own text.
 */
export function fitMeetingBlock(
  description: string | null | undefined,
  m: MeetingBlock,
  limit = DESCRIPTION_LIMIT,
): string | undefined {
  const total = m.dialIn.reduce((sum, g) => sum + g.numbers.length, 0);
  for (let shown = total; shown >= 0; shown--) {
    const text = upsertMeetingBlock(description, renderMeetingBlock(m, shown));
    if (text.length <= limit) return text;
  }
  return undefined;
}

const SEPARATOR = "\n\n";

function locate(description: string): { start: number; end: number } | undefined {
  const start = description.indexOf(BLOCK_START);
  if (start < 0) return undefined;
  const endMarker = description.indexOf(BLOCK_END, start);
  if (endMarker < 0) return undefined;
  return { start, end: endMarker + BLOCK_END.length };
}

/** The description with the block added, or the existing block replaced in place. */
export function upsertMeetingBlock(description: string | null | undefined, block: string): string {
  const text = description ?? "";
  const at = locate(text);
  if (at) return text.slice(0, at.start) + block + text.slice(at.end);
  return text === "" ? block : `${text}${SEPARATOR}${block}`;
}

/** The description without the block (and the blank line added before it); unchanged when there is none. */
export function stripMeetingBlock(description: string | null | undefined): string {
  const text = description ?? "";
  const at = locate(text);
  if (!at) return text;
  const before = text.slice(0, at.start);
  const after = text.slice(at.end);
  const head = before.endsWith(SEPARATOR) ? before.slice(0, -SEPARATOR.length) : before;
  return head + after;
}

export const hasMeetingBlock = (description: string | null | undefined): boolean =>
  locate(description ?? "") !== undefined;
