// A Google API port built once and reused (its credentials keep their token until it expires, instead
// of asking the token service on every message), rebuilt once when Google answers 401: the token went
// stale early (revoked, a key rotated, a clock that moved), so fresh credentials are worth one retry.
import { AppError } from "../platform/errors";
import { classifyGoogleError } from "./google-errors";

const isUnauthenticated = (error: unknown): boolean =>
  error instanceof AppError &&
  error.code === "forbidden" &&
  classifyGoogleError((error as { cause?: unknown }).cause).kind === "unauthenticated";

type Methods<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof T];

/** The port's `methods`, on a port built by `make` once and rebuilt once after a 401. */
export function cachedClient<T extends object>(make: () => Promise<T>, methods: readonly Methods<T>[]): T {
  let current: Promise<T> | undefined;
  const port = () => {
    current ??= make().catch((error: unknown) => {
      current = undefined; // a failed build is not kept
      throw error;
    });
    return current;
  };
  const invoke = async (method: Methods<T>, args: unknown[]) => {
    const call = async () => {
      const api = (await port()) as Record<Methods<T>, (...a: unknown[]) => Promise<unknown>>;
      return api[method](...args);
    };
    try {
      return await call();
    } catch (error) {
      if (!isUnauthenticated(error)) throw error;
      current = undefined;
      return call();
    }
  };
  return Object.fromEntries(methods.map((m) => [m, (...args: unknown[]) => invoke(m, args)])) as T;
}
