import { CircuitBreaker } from './breaker';
import { BreakerOpenError, SourceHttpError, parseRetryAfter } from './errors';
import { backoffDelay, withRetry } from './retry';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const http = (status: number | null, retryAfterMs: number | null = null) => new SourceHttpError('src', status, `HTTP ${String(status)}`, retryAfterMs, status === null);

describe('retry policy', () => {
  it('full jitter: a random wait below the capped exponential step; the server wait is a floor', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, null, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(policy, 3, null, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, 2000, () => 0.5)).toBe(2000);
  });

  it('retries 429, 5xx and timeouts, not 4xx, and gives up after maxAttempts', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    let n = 0;
    await expect(withRetry(policy, async () => (++n < 3 ? Promise.reject(http(n === 1 ? 503 : null)) : 'ok'), { sleep, random: () => 0 })).resolves.toBe('ok');
    expect(n).toBe(3);
    n = 0;
    await expect(withRetry(policy, async () => ((n += 1), Promise.reject(http(400))), { sleep })).rejects.toThrow('HTTP 400');
    expect(n).toBe(1);
    n = 0;
    await expect(withRetry(policy, async () => ((n += 1), Promise.reject(http(500))), { sleep })).rejects.toThrow('HTTP 500');
    expect(n).toBe(4);
    waits.length = 0;
    n = 0;
    await withRetry(policy, async () => (++n === 1 ? Promise.reject(http(429, 2000)) : 'ok'), { sleep, random: () => 0 });
    expect(waits).toEqual([2000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:10 GMT', Date.parse('2026-10-21T07:28:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, half-opens after the cool-down, closes on a good trial, re-opens on a bad one', async () => {
    let t = 0;
    const changes: string[] = [];
    const b = new CircuitBreaker('src', { failureThreshold: 2, coolDownMs: 1000, now: () => t, onStateChange: (f, to) => changes.push(`${f}>${to}`) });
    const fail = () => b.run(async () => Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    await fail();
    expect(b.state).toBe('closed');
    await fail();
    expect(b.state).toBe('open');
    expect(await b.run(async () => 'x').catch((e: unknown) => e)).toBeInstanceOf(BreakerOpenError);
    t = 1000;
    expect(b.state).toBe('half_open');
    await fail();
    expect(b.state).toBe('open');
    t = 2000;
    await expect(b.run(async () => 'ok')).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['closed>open', 'open>half_open', 'half_open>open', 'open>half_open', 'half_open>closed']);
  });
});
