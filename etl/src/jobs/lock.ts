import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from '../log/logger';

export interface JobLock {
  /** Runs fn if the lock is free; returns false (without running) when another holder has it. */
  withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
}

// Deletes the key only if it still holds our token, so an expired lock taken over by another
// process is never released by us.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** Locks in Redis so that two daemons against one database never run the same job at once. */
export class RedisJobLock implements JobLock {
  private readonly owner = randomUUID();

  constructor(private readonly redis: Redis, private readonly prefix = 'kpi:lock:') {}

  async withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const key = this.prefix + name;
    const token = `${this.owner}:${randomUUID()}`;
    const got = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (got !== 'OK') return { ran: false };
    // A long job keeps its lock alive; if this process dies the TTL frees it.
    const keepAlive = setInterval(() => void this.redis.eval(EXTEND, 1, key, token, String(ttlMs)).catch(() => undefined), Math.max(1000, ttlMs / 3));
    try {
      return { ran: true, value: await fn() };
    } finally {
      clearInterval(keepAlive);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** In-process fallback when no Redis answers: still one run per job at a time inside this process. */
export class LocalJobLock implements JobLock {
  private readonly held = new Set<string>();

  async withLock<T>(name: string, _ttlMs: number, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.held.has(name)) return { ran: false };
    this.held.add(name);
    try {
      return { ran: true, value: await fn() };
    } finally {
      this.held.delete(name);
    }
  }

  async close(): Promise<void> {}
}

/**
 * Runs fn under the lock, waiting (polling) while another holder has it, for at most waitMs or
 * until signal aborts; { ran: false } when it never got the lock.
 */
export async function withLockWaiting<T>(
  lock: JobLock,
  name: string,
  opts: { ttlMs: number; waitMs: number; pollMs?: number; signal?: AbortSignal },
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const until = Date.now() + opts.waitMs;
  for (;;) {
    const r = await lock.withLock(name, opts.ttlMs, fn);
    if (r.ran || Date.now() >= until || opts.signal?.aborted) return r;
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 100));
  }
}

/** Key prefix of every lock of one database: `kpi:lock:<database id>:`. */
export const lockPrefix = (databaseId: string): string => `kpi:lock:${databaseId}:`;

export async function connectJobLock(url: string, log: Logger, prefix?: string): Promise<JobLock> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 2000, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return new RedisJobLock(redis, prefix);
  } catch (err) {
    redis.disconnect();
    log.warn('redis unreachable: job locks are local to this process', { redis: url, error: (err as Error).message });
    return new LocalJobLock();
  }
}
