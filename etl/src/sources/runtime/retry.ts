import { BreakerOpenError, SourceHttpError } from './errors';

/**
 * Retries with exponential backoff and full jitter (a random wait between 0 and the capped
 * exponential step, which spreads retries of many clients apart). A wait the server asked for
 * (Retry-After, rate-limit reset) is a floor. A small policy of our own rather than a library:
 * it has to read the server's wait from each source's own error type and stop the moment the
 * source's breaker opens, which generic retry helpers leave to glue code anyway.
 */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told about every failed attempt that will be retried (for the log). */
  onRetry?: (info: { attempt: number; delayMs: number; error: SourceHttpError }) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The wait before retry number `attempt` (1 = first retry). */
export function backoffDelay(policy: RetryPolicy, attempt: number, serverWaitMs: number | null, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * cap);
  return serverWaitMs === null ? jittered : Math.max(serverWaitMs, jittered);
}

export async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  const wait = hooks.sleep ?? sleep;
  let last: SourceHttpError | null = null;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      // The breaker opened while this call was retrying: the failure that opened it is the news.
      if (err instanceof BreakerOpenError) throw last ?? err;
      if (!(err instanceof SourceHttpError) || !err.retryable || attempt >= policy.maxAttempts) throw err;
      last = err;
      const delayMs = backoffDelay(policy, attempt, err.retryAfterMs, hooks.random);
      hooks.onRetry?.({ attempt, delayMs, error: err });
      await wait(delayMs);
    }
  }
}
