/**
 * A store for @fastify/rate-limit (its `store` option) that keeps the limit per token across
 * replicas through Redis without a Redis round trip per request.
 *
 * Each process admits up to `slack` requests per key on its own and adds them to the shared Redis
 * counter in batches (when half the slack is unsent, and at the latest every `flushMs`). A request
 * admitted locally is judged on the last count Redis returned plus what this process has counted
 * since; once a process holds `slack` requests Redis has not confirmed yet, further requests are
 * counted in Redis before they are judged (exact, on the count Redis returns), until the batches
 * are acknowledged. So every replica has at most `slack` admitted requests Redis does not know of:
 * a token gets at most max + (replicas − 1) × slack requests per window, never fewer than max.
 * `slack` is `floor(max × slackRatio)` (1 % by default); a small budget (slack 0) is counted in
 * Redis on every request, exactly as the plugin's own Redis store counts.
 *
 * The window is Redis's: the key's PTTL, set when its first batch arrives (fixed window per token,
 * shared by every replica). With Redis unreachable, each process keeps limiting on its own count
 * (sent once Redis answers again).
 */
import type Redis from 'ioredis';
import { recordCacheError } from './metrics';

// Adds a batch to a key; the first batch of a window starts the window. KEYS: counter; ARGV: count, window ms.
const ADD = `
local c = redis.call('incrby', KEYS[1], ARGV[1])
local t = redis.call('pttl', KEYS[1])
if t < 0 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  t = tonumber(ARGV[2])
end
return {c, t}`;

interface Counter {
  /** The key's count in Redis as last returned (every replica's sent requests). */
  shared: number;
  /** Counted here, not yet sent. */
  unsent: number;
  /** Sent, reply not yet back. */
  sending: number;
  /** When the window ends (ms since the epoch). */
  windowEnd: number;
  /** The window's length (ms), for batches sent by the timer. */
  window: number;
}

type IncrCallback = (err: Error | null, res?: { current: number; ttl: number }) => void;

export interface BatchedStoreOptions {
  redis: Redis;
  /** Prefix of the Redis counters. */
  nameSpace: string;
  /** Share of `max` a replica may count before sending (default 0.01). */
  slackRatio?: number;
  /** Longest a local count waits before it is sent (default 100 ms). */
  flushMs?: number;
}

/** Builds the store class the plugin instantiates (`store: batchedRedisStore({...})`). */
export function batchedRedisStore(o: BatchedStoreOptions): new () => BatchedRedisStore {
  return class extends BatchedRedisStore {
    constructor() {
      super(o, o.nameSpace);
    }
  };
}

export class BatchedRedisStore {
  private readonly counters = new Map<string, Counter>();
  private timer: NodeJS.Timeout | null = null;
  private readonly slackRatio: number;
  private readonly flushMs: number;

  constructor(
    private readonly o: BatchedStoreOptions,
    private readonly prefix: string,
  ) {
    this.slackRatio = o.slackRatio ?? 0.01;
    this.flushMs = o.flushMs ?? 100;
    if (!(o.redis as Redis & { rlAdd?: unknown }).rlAdd) o.redis.defineCommand('rlAdd', { numberOfKeys: 1, lua: ADD });
  }

  /** The plugin's per-route store (a route with its own rate-limit config). */
  // At run time the plugin passes the merged options with `routeInfo` (the route); typed loosely to match its typings.
  child(routeOptions: object): BatchedRedisStore {
    const r = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo ?? {};
    return new BatchedRedisStore(this.o, `${this.prefix}${String(r.method ?? '')}${r.url ?? ''}-`);
  }

  // The plugin passes the window and the budget (its typings list only the first two arguments).
  incr(key: string, cb: IncrCallback, timeWindow = 60_000, max = Number.MAX_SAFE_INTEGER): void {
    const now = Date.now();
    let c = this.counters.get(key);
    if (c === undefined || c.windowEnd <= now) {
      // A new window (here; Redis may still be in the previous one until the first batch answers).
      if (c === undefined) this.counters.set(key, (c = { shared: 0, unsent: 0, sending: 0, windowEnd: now + timeWindow, window: timeWindow }));
      else {
        // What was not sent belongs to the window that is over.
        c.shared = 0;
        c.unsent = 0;
        c.windowEnd = now + timeWindow;
        c.window = timeWindow;
      }
    }
    const slack = Math.floor(max * this.slackRatio);
    if (c.unsent + c.sending >= slack) {
      // Exact: this request is counted in Redis before it is judged, on the position Redis gave it
      // (plus what this process admitted and has not sent).
      c.sending++;
      this.send(key, c, 1).then(
        (count) => cb(null, { current: count + c.unsent, ttl: Math.max(0, c.windowEnd - Date.now()) }),
        () => {
          // Redis unreachable: counted and judged here (sent with a later batch when it answers).
          c.unsent++;
          this.schedule();
          cb(null, { current: c.shared + c.unsent + c.sending, ttl: Math.max(0, c.windowEnd - Date.now()) });
        },
      );
      return;
    }
    c.unsent++;
    if (c.unsent * 2 >= slack) this.flushKey(key, c);
    else this.schedule();
    cb(null, { current: c.shared + c.unsent + c.sending, ttl: c.windowEnd - now });
  }

  /** Adds `n` to the key in Redis, takes its count and window from the answer, returns the count. */
  private async send(key: string, c: Counter, n: number): Promise<number> {
    try {
      const [count, ttl] = await (this.o.redis as Redis & { rlAdd(k: string, n: number, w: number): Promise<[number, number]> }).rlAdd(this.prefix + key, n, c.window);
      c.sending -= n;
      c.shared = count;
      c.windowEnd = Date.now() + ttl;
      return count;
    } catch (err) {
      c.sending -= n;
      recordCacheError('rate-limit');
      throw err;
    }
  }

  /** Sends a key's unsent count; not sent (Redis down) → kept, counted locally, sent with a later batch. */
  private flushKey(key: string, c: Counter): void {
    const n = c.unsent;
    if (n === 0) return;
    c.unsent = 0;
    c.sending += n;
    this.send(key, c, n).catch(() => {
      c.unsent += n;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushAll();
    }, this.flushMs);
    this.timer.unref();
  }

  /** Sends every key's unsent count (one pipelined batch) and forgets keys whose window is over. */
  flushAll(): void {
    const now = Date.now();
    for (const [key, c] of this.counters) {
      if (c.unsent > 0) this.flushKey(key, c);
      else if (c.sending === 0 && c.windowEnd <= now) this.counters.delete(key);
    }
  }
}
