// Truncated exponential backoff with full jitter for Google calls, honouring Retry-After, retrying only
// what can succeed later (quota, 5xx, a broken connection). A defect in our own code (an error with no
// HTTP answer that is not the network's) is thrown at once. Bounded in attempts and in total time,
// because a function's deadline is short: beyond that, the worker throws and Pub/Sub redelivers later.
import { classifyGoogleError, isRetryable } from "./google-errors";

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Give up (and let the caller's redelivery take over) once this much time has passed. */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

export async function withGoogleRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { maxAttempts = 5, baseDelayMs = 500, maxDelayMs = 32_000, budgetMs = 60_000 } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const failure = classifyGoogleError(error);
      if (attempt >= maxAttempts || !isRetryable(failure)) throw error;
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * random();
      const delay = Math.max(backoff, (failure.info?.retryAfterSeconds ?? 0) * 1000);
      if (Date.now() - started + delay > budgetMs) throw error;
      options.onRetry?.(attempt, delay, error);
      await sleep(delay);
    }
  }
}
