// Sign-in and consent only ever send the browser back to the client apps' own origins (no open redirect).
import { AppError } from "../platform/errors";

export function checkReturnUrl(
  candidate: string | null | undefined,
  allowedOrigins: string[],
  fallback?: string,
): string {
  if (!candidate) {
    if (fallback) return fallback;
    throw new AppError("return_url_not_allowed", "return_to is required");
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new AppError("return_url_not_allowed", "return_to is not an absolute URL");
  }
  const allowed = allowedOrigins.map((o) => new URL(o).origin);
  if (!allowed.includes(url.origin) || url.username || url.password) {
    throw new AppError(
      "return_url_not_allowed",
      `return_to must be on one of the app origins (${allowed.join(", ") || "none configured"})`,
    );
  }
  return url.toString();
}

/** Appends query parameters to a return URL without disturbing its own. */
export function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}
