// Two kinds of thrown error that carry no HTTP answer and must not be confused: a network failure (the
// connection broke or timed out: the same call can succeed later) and a defect in our own code (a
// TypeError: retrying replays the bug). Node reports network failures with an errno-style `code`
// (ECONNRESET, ETIMEDOUT...) or as undici's `TypeError: fetch failed` whose `cause` has that code.

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const NETWORK_MESSAGE = /socket hang up|fetch failed|network timeout|other side closed|ECONNRESET|ETIMEDOUT/i;

/** True for a broken or timed-out connection, looking through `cause` chains (fetch wraps its reason). */
export function isNetworkFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const e = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
    if (e.name === "AbortError" || e.name === "TimeoutError") return true;
    if (typeof e.message === "string" && NETWORK_MESSAGE.test(e.message)) return true;
    current = e.cause;
  }
  return false;
}

/** A defect in our own code: a JavaScript error of the kinds the language throws, not a network failure. */
export function isProgrammingError(error: unknown): boolean {
  return (
    (error instanceof TypeError ||
      error instanceof ReferenceError ||
      error instanceof RangeError ||
      error instanceof SyntaxError) &&
    !isNetworkFailure(error)
  );
}
