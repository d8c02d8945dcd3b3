/**
 * The HTTP server as the daemon runs it: Redis for the cache and rate limit when it answers
 * (in-process otherwise, with a warning), listening on HTTP_HOST:HTTP_PORT. `afterSync` is what
 * a sync job calls when it changed rows: it drops the cached figures of the days touched and
 * records the run in the metrics.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import type { Config } from '../config/config';
import type { Db } from '../db/db';
import type { Logger } from '../log/logger';
import { TokenVerifier } from './auth';
import { MemoryKpiCache, RedisKpiCache, type KpiCache } from './cache';
import { recordSyncRun } from './metrics';
import { RequestStats } from './requestStats';
import { daysOf } from './routes/api/timeframe';
import { buildHttpServer, routePlugins, type HttpDeps, type RoutePlugin } from './server';

export interface SyncOutcome {
  changed: number;
  received?: number;
  rejected?: number;
  minTime: Date | null;
  maxTime: Date | null;
}

export interface HttpService {
  server: FastifyInstance;
  cache: KpiCache;
  /** http://host:port actually bound. */
  url: string;
  /** Drops cached figures of the local days a sync changed (call after every sync that changed rows). */
  invalidateDays(days: string[]): Promise<number>;
  /** Drops the cached figures of the days a sync changed; for runs the sources runtime already counted in /metrics. */
  invalidateSynced(source: string, stats: SyncOutcome): Promise<void>;
  /** Counts a sync that bypassed the sources runtime in /metrics, then invalidates as invalidateSynced. */
  afterSync(source: string, stream: string, stats: SyncOutcome): Promise<void>;
  stop(): Promise<void>;
}

/** Which database the cache holds figures of, without credentials: two daemons on one Redis never mix. */
export function databaseIdentity(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): string {
  let id: string;
  if (config.DATABASE_URL) {
    const u = new URL(config.DATABASE_URL);
    id = `server:${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } else {
    id = `embedded:${path.resolve(config.DATA_DIR)}`;
  }
  return createHash('sha256').update(id).digest('hex').slice(0, 12);
}

export async function connectRedis(url: string): Promise<Redis> {
  // Fail fast when Redis is down: the API then answers from the database instead of queueing.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, commandTimeout: 500, enableAutoPipelining: true });
  redis.on('error', () => undefined);
  await redis.connect();
  await redis.ping();
  return redis;
}

export async function startHttp(
  config: Config,
  db: Db,
  log: Logger,
  opts: { now?: () => Date; redisPrefix?: string; routes?: RoutePlugin[] } = {},
): Promise<HttpService> {
  let redis: Redis | null = null;
  try {
    redis = await connectRedis(config.REDIS_URL);
  } catch (err) {
    log.warn('redis unreachable: the API cache and rate limit are in-process', { error: (err as Error).message });
  }
  const cache: KpiCache = redis ? new RedisKpiCache(redis, { prefix: opts.redisPrefix }) : new MemoryKpiCache();
  const verifier = await TokenVerifier.create(config);
  if (!verifier.configured) log.warn('API_JWT_SECRET / API_JWT_PUBLIC_KEY not set: /api/v1/dashboard/* answers 503 until one is');
  const requestStats = new RequestStats();
  const deps: HttpDeps = {
    requestStats,
    db,
    log,
    cache,
    redis,
    verifier,
    timeZone: config.STORE_TIMEZONE,
    currency: config.STORE_CURRENCY,
    dbIdentity: databaseIdentity(config),
    rateLimitPerMin: config.API_RATE_LIMIT_PER_MIN,
    readyMaxSyncAgeS: config.READYZ_MAX_SYNC_AGE_S,
    redisPrefix: opts.redisPrefix,
    now: opts.now,
  };
  const server = await buildHttpServer(deps, [...routePlugins(deps), ...(opts.routes ?? [])]);
  let url: string;
  try {
    url = await server.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  } catch (err) {
    await cache.close();
    throw err;
  }
  log.info('http server listening', { url, cache: cache.kind });
  const flushStats = (all: boolean) => requestStats.flush(db, all).catch((err: unknown) => log.warn('api request stats not written', { error: (err as Error).message }));
  const flusher = setInterval(() => void flushStats(false), 60_000);
  flusher.unref();
  const invalidateDays = (days: string[]) => cache.invalidateDays(days);
  const invalidateSynced = async (source: string, stats: SyncOutcome): Promise<void> => {
    if (stats.changed > 0 && stats.minTime && stats.maxTime) {
      const dropped = await invalidateDays(daysOf(stats.minTime, new Date(stats.maxTime.getTime() + 1), config.STORE_TIMEZONE));
      if (dropped > 0) log.debug('api cache invalidated', { source, dropped });
    }
  };
  return {
    server,
    cache,
    url,
    invalidateDays,
    invalidateSynced,
    async afterSync(source, stream, stats) {
      recordSyncRun({ source, stream, status: 'ok', rowsRead: stats.received, rowsUpserted: stats.changed, rowsRejected: stats.rejected });
      await invalidateSynced(source, stats);
    },
    async stop() {
      clearInterval(flusher);
      await server.close();
      await flushStats(true);
      await cache.close();
    },
  };
}
