/**
 * The daemon's one HTTP server (Fastify): /healthz, /readyz, /metrics, and the route plugins of
 * each feature (KPI API, webhooks, relays), registered from the list in `routePlugins`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import type { Db } from '../db/db';
import type { Logger } from '../log/logger';
import type { TokenVerifier } from './auth';
import type { KpiCache } from './cache';
import { observeRequest, registry } from './metrics';
import { installProblemHandlers, PROBLEM_TYPE } from './problem';
import type { RequestStats } from './requestStats';
import { apiPlugin } from './routes/api';
import type { CacheTtls } from './routes/api/dashboard';

export interface HttpDeps {
  db: Db;
  log: Logger;
  cache: KpiCache;
  /** null when Redis is not used (in-process cache, local rate limit). */
  redis: Redis | null;
  verifier: TokenVerifier;
  timeZone: string;
  currency: string;
  dbIdentity: string;
  rateLimitPerMin: number;
  /** Share of a token's budget a replica counts locally before telling Redis (default 1 %). */
  rateLimitSlack?: number;
  /** A source whose last successful sync is older than this makes /readyz fail (0 = not checked). */
  readyMaxSyncAgeS: number;
  redisPrefix?: string;
  ttls?: Partial<CacheTtls>;
  now?: () => Date;
  /** Per-minute request figures written to the database (system-health dashboard). */
  requestStats?: RequestStats;
}

/** One feature's routes: registered on the root instance, each in its own encapsulated scope. */
export interface RoutePlugin {
  name: string;
  register(app: FastifyInstance): Promise<void>;
}

/**
 * Every feature's route plugin. Add a feature here with one entry; its plugin lives in
 * `routes/<name>.ts` as a `FastifyPluginAsync<Options>` with its own content-type parsers.
 */
export function routePlugins(deps: HttpDeps): RoutePlugin[] {
  return [
    {
      name: 'kpi-api',
      register: async (app) => {
        await app.register(apiPlugin, {
          prefix: '/api/v1',
          db: deps.db,
          cache: deps.cache,
          verifier: deps.verifier,
          timeZone: deps.timeZone,
          currency: deps.currency,
          dbIdentity: deps.dbIdentity,
          rateLimitPerMin: deps.rateLimitPerMin,
          rateLimitSlack: deps.rateLimitSlack,
          redis: deps.redis,
          redisPrefix: deps.redisPrefix,
          ttls: deps.ttls,
          now: deps.now,
        });
      },
    },
    // Features switched on by configuration (Square webhooks, the SMS relay) come from
    // featureRoutes.ts and are appended by startHttp.
  ];
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

interface SyncAge {
  source: string;
  last_success: string | null;
  age_s: number | null;
  last_status: string | null;
}

export async function buildHttpServer(deps: HttpDeps, plugins: RoutePlugin[] = routePlugins(deps)): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Unknown query parameters are refused (a typo must not silently fall back to a default).
    ajv: { customOptions: { removeAdditional: false } },
  });
  installProblemHandlers(app, (err) => deps.log.error('http request failed', { error: err instanceof Error ? err.message : String(err) }));

  // Callback style, not async: no promise per request for work that is synchronous.
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    observeRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    deps.requestStats?.record(route, reply.statusCode, reply.elapsedTime);
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const reasons: string[] = [];
    const checks: Record<string, unknown> = {};
    const t0 = Date.now();
    let syncs: SyncAge[] = [];
    try {
      await within(2000, 'database', deps.db.query('SELECT 1'));
      checks.database = { ok: true, ms: Date.now() - t0 };
      const now = (deps.now ?? (() => new Date()))();
      const r = await within(
        2000,
        'database',
        deps.db.query<{ source: string; last_ok: Date | string | null; last_status: string | null }>(
          `SELECT source, max(finished_at) FILTER (WHERE status = 'ok') AS last_ok,
                  (array_agg(status ORDER BY finished_at DESC))[1] AS last_status
           FROM etl_runs GROUP BY source ORDER BY source`,
        ),
      );
      syncs = r.rows.map((s) => {
        const last = s.last_ok === null ? null : new Date(s.last_ok);
        return { source: s.source, last_success: last?.toISOString() ?? null, age_s: last ? Math.round((now.getTime() - last.getTime()) / 1000) : null, last_status: s.last_status };
      });
      if (deps.readyMaxSyncAgeS > 0) {
        for (const s of syncs) {
          if (s.age_s === null) reasons.push(`sync ${s.source}: no successful run yet`);
          else if (s.age_s > deps.readyMaxSyncAgeS) reasons.push(`sync ${s.source}: last success ${s.age_s} s ago (limit ${deps.readyMaxSyncAgeS} s)`);
        }
      }
    } catch (err) {
      checks.database = { ok: false, error: (err as Error).message };
      reasons.push(`database unreachable: ${(err as Error).message}`);
    }
    if (deps.redis) {
      const t1 = Date.now();
      try {
        await within(1000, 'redis', deps.redis.ping());
        checks.redis = { ok: true, ms: Date.now() - t1 };
      } catch (err) {
        checks.redis = { ok: false, error: (err as Error).message };
        reasons.push(`redis unreachable: ${(err as Error).message}`);
      }
    } else {
      checks.redis = { ok: true, used: false, cache: deps.cache.kind };
    }
    checks.syncs = syncs;
    if (reasons.length === 0) return { status: 'ready', checks };
    reply.code(503).type(PROBLEM_TYPE);
    return JSON.stringify({ type: 'about:blank', title: 'Not ready', status: 503, detail: reasons.join('; '), reasons, checks });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });

  for (const p of plugins) await p.register(app);
  return app;
}
