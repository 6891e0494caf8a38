// Pagination cursors for every list route: one query parameter (`cursor`), one opaque format, validated on
// read. A cursor is the base64url text of a versioned JSON envelope { v, k, p }: v is the format version,
// k names the list it belongs to (an audit cursor is refused by the contacts route), p is the position the
// next page starts after, checked against the list's schema. A malformed, truncated or edited cursor is a
// 400 `invalid_cursor` naming the parameter, never a crash or a silently wrong page.
// Not signed: a position only says where to start within data the caller may read anyway, so an edited
// but well-formed cursor can only pick another starting point the caller could page to.
import { z } from "zod";
import { AppError } from "./errors";

/** The query parameter that carries a cursor on every list route. */
export const CURSOR_PARAMETER = "cursor";

const VERSION = 1;
/** Longer than any position a route issues; refused before it is decoded. */
const MAX_CURSOR_CHARS = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface PageCursor<Position> {
  /** The opaque text a response hands out as `nextCursor`. */
  encode(position: Position): string;
  /** The position in `text`; throws `invalid_cursor` naming `parameter` when it is not a cursor of this list. */
  decode(text: string, parameter?: string): Position;
  /**
   * The position in the request's `cursor` parameter (or an older name the route still accepts);
   * undefined when none is given or it is empty (the first page).
   */
  read(query: URLSearchParams): Position | undefined;
}

export interface PageCursorOptions<Position> {
  /** Older query parameter names clients still send (`cursor` wins when both are present). */
  aliases?: readonly string[];
  /** Reads a cursor in the format the route issued before this one, so paging survives the deploy. */
  legacy?: (text: string) => Position | undefined;
}

export function pageCursor<Position>(
  kind: string,
  position: z.ZodType<Position>,
  options: PageCursorOptions<Position> = {},
): PageCursor<Position> {
  const Envelope = z.object({ v: z.literal(VERSION), k: z.literal(kind), p: position });
  const parameters = [CURSOR_PARAMETER, ...(options.aliases ?? [])];

  const refuse = (parameter: string, why: string) => {
    const message = `${parameter}: not a cursor this API issued for this list (${why}); start again from the first page`;
    return new AppError("invalid_cursor", message, {
      details: { parameter, issues: [{ path: parameter, message: why }] },
    });
  };

  const decode = (text: string, parameter = CURSOR_PARAMETER): Position => {
    if (text.length > MAX_CURSOR_CHARS) throw refuse(parameter, "too long");
    if (BASE64URL.test(text)) {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
      } catch {
        json = undefined;
      }
      const parsed = Envelope.safeParse(json);
      if (parsed.success) return parsed.data.p as Position;
    }
    const old = options.legacy?.(text);
    const legacy = old === undefined ? undefined : position.safeParse(old);
    if (legacy?.success) return legacy.data;
    throw refuse(parameter, "malformed");
  };

  return {
    encode: (p) =>
      Buffer.from(JSON.stringify({ v: VERSION, k: kind, p: position.parse(p) }), "utf8").toString(
        "base64url",
      ),
    decode,
    read(query) {
      for (const parameter of parameters) {
        const text = query.get(parameter);
        if (text) return decode(text, parameter);
      }
      return undefined;
    },
  };
}
