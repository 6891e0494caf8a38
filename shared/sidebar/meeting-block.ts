// The meeting-details block in an event's description (pure): rendered between two marker lines, so
// adding it again replaces it and removing it restores exactly the description around it.
import type { DialInGroup } from "./dial-in";

export const BLOCK_START = "───── Switchboard meeting (added automatically; edits inside are replaced) ─────";
export const BLOCK_END = "───── End of Switchboard meeting ─────";

export interface MeetingBlock {
  joinUrl: string;
  pin: string;
  dialIn: DialInGroup[];
}

export function renderMeetingBlock(m: MeetingBlock): string {
  const lines = [BLOCK_START, `Join the meeting: ${m.joinUrl}`, `Meeting PIN: ${m.pin}`];
  if (m.dialIn.length > 0) {
    lines.push("", "Join by phone:");
    for (const g of m.dialIn) {
      for (const n of g.numbers) {
        lines.push(`  ${g.countryName}: ${n.number}${n.label ? ` (${n.label})` : ""}`);
      }
    }
    lines.push(`Then enter the PIN ${m.pin} followed by #`);
  }
  lines.push(BLOCK_END);
  return lines.join("\n");
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
