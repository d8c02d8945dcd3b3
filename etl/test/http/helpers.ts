import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import type { Db, Queryable } from '../../src/db/db';
import { logger } from '../../src/log/logger';
import { issueToken, TokenVerifier, type ApiRole } from '../../src/http/auth';
import { MemoryKpiCache, RedisKpiCache, type KpiCache } from '../../src/http/cache';
import { connectRedis } from '../../src/http/service';
import { buildHttpServer } from '../../src/http/server';
import type { CacheTtls } from '../../src/http/routes/api/dashboard';

export const SECRET = 'test-secret-test-secret-test-secret-0123';
export const SHARED_REDIS = 'redis://127.0.0.1:6379';

/** The real database, with every statement counted (what "no database query" is checked on). */
export interface CountingDb extends Db {
  counts: { queries: number; transactions: number };
}

export function counting(db: Db): CountingDb {
  const counts = { queries: 0, transactions: 0 };
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      counts.queries++;
      return q.query(sql, params);
    },
    exec: (sql) => {
      counts.queries++;
      return q.exec(sql);
    },
  });
  return {
    kind: db.kind,
    counts,
    ...wrap(db),
    transaction: (fn) => {
      counts.transactions++;
      return db.transaction((tx) => fn(wrap(tx)));
    },
    close: () => db.close(),
  };
}

export async function token(role: ApiRole | string, opts: { ttlS?: number; now?: Date; secret?: string } = {}): Promise<string> {
  return issueToken({ role: role as ApiRole, ttlS: opts.ttlS ?? 3600, secret: opts.secret ?? SECRET, now: opts.now });
}

export interface TestServer {
  url: string;
  server: FastifyInstance;
  cache: KpiCache;
  redis: Redis | null;
  prefix: string;
  close(): Promise<void>;
}

export async function startTestServer(
  db: Db,
  o: {
    redisUrl?: string | null;
    ttls?: Partial<CacheTtls>;
    now?: () => Date;
    rateLimitPerMin?: number;
    rateLimitSlack?: number;
    readyMaxSyncAgeS?: number;
    dbIdentity?: string;
    /** Another server's prefix: the two then act as replicas sharing one Redis namespace. */
    prefix?: string;
  } = {},
): Promise<TestServer> {
  const prefix = o.prefix ?? `kpi-test:${randomUUID()}:`;
  const redis = o.redisUrl === null ? null : await connectRedis(o.redisUrl ?? SHARED_REDIS);
  const cache: KpiCache = redis ? new RedisKpiCache(redis, { prefix }) : new MemoryKpiCache();
  const server = await buildHttpServer({
    db,
    log: logger,
    cache,
    redis,
    verifier: await TokenVerifier.create({ API_JWT_SECRET: SECRET, API_JWT_CLOCK_SKEW_S: 30 }),
    timeZone: 'America/New_York',
    currency: 'USD',
    dbIdentity: o.dbIdentity ?? 'testdb',
    rateLimitPerMin: o.rateLimitPerMin ?? 100_000,
    readyMaxSyncAgeS: o.readyMaxSyncAgeS ?? 0,
    redisPrefix: prefix,
    rateLimitSlack: o.rateLimitSlack,
    ttls: o.ttls,
    now: o.now,
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    cache,
    redis,
    prefix,
    async close() {
      await server.close();
      if (redis) {
        // Leave nothing behind on the shared Redis.
        const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
        if (keys.length) await redis.del(...keys).catch(() => undefined);
      }
      await cache.close();
    },
  };
}

export async function get(url: string, tok?: string): Promise<{ status: number; type: string; headers: Headers; body: Record<string, unknown> & { [k: string]: unknown } }> {
  const res = await fetch(url, { headers: tok ? { authorization: `Bearer ${tok}` } : {} });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body };
}
