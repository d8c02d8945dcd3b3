/**
 * The KPI API plugin (mounted at /api/v1): bearer-token auth, a rate limit per token (in Redis
 * when there is one), the dashboard endpoints, and their OpenAPI document at /openapi.json.
 * Swagger and the rate limit are registered inside this scope, so they see only the API routes.
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type Redis from 'ioredis';
import type { Principal, TokenVerifier } from '../../auth';
import { problemSchema } from '../../problem';
import { batchedRedisStore } from '../../rateLimitStore';
import { dashboardRoutes, type DashboardRoutesOptions } from './dashboard';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on a route; absent = no token needed. */
    roles?: string[];
  }
}

export interface ApiOptions extends DashboardRoutesOptions {
  verifier: TokenVerifier;
  /** Requests per minute per token. */
  rateLimitPerMin: number;
  /** Rate-limit counters are shared through Redis when given (one budget across daemons). */
  redis: Redis | null;
  redisPrefix?: string;
  /** Share of a token's budget a replica may count before telling Redis (default 1 %; 0 = every request). */
  rateLimitSlack?: number;
}

export const apiPlugin: FastifyPluginAsync<ApiOptions> = async (app, opts) => {
  app.decorateRequest('principal', null);
  app.addSchema(problemSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Store KPI API',
        version: '1.0.0',
        description:
          'The dashboard sections as JSON, read from the same role views as the Grafana dashboards. Money fields are decimal strings in `currency`. ' +
          'Errors are application/problem+json. Tokens: JWT bearer with claim `role` (admin, manager, public) and `exp`; public reads revenue-today only.',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });

  // Callback style: a token already verified is a synchronous look-up, with no promise per request.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!req.routeOptions.config.roles) return done();
    const known = opts.verifier.known(req.headers.authorization);
    if (known) {
      req.principal = known;
      return done();
    }
    opts.verifier.verify(req.headers.authorization).then(
      (p) => {
        req.principal = p;
        done();
      },
      (err: Error) => done(err),
    );
  });

  await app.register(rateLimit, {
    global: true,
    max: opts.rateLimitPerMin,
    timeWindow: 60_000,
    // After auth, so the budget belongs to the verified token, not to whatever header was sent.
    hook: 'preHandler',
    keyGenerator: (req) => req.principal?.tokenId ?? `ip:${req.ip}`,
    // One budget per token across replicas, counted locally and sent to Redis in batches (bounded
    // error, see rateLimitStore.ts): no Redis round trip per request. Without Redis, per process.
    store: opts.redis ? batchedRedisStore({ redis: opts.redis, nameSpace: `${opts.redisPrefix ?? 'kpi:api:'}rl:`, slackRatio: opts.rateLimitSlack }) : undefined,
    // Redis down: serve rather than refuse everyone.
    skipOnError: true,
    allowList: (req) => !req.routeOptions.config.roles,
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Not `opts` itself: it carries this plugin's own prefix, which would apply twice.
  const { db, cache, timeZone, currency, dbIdentity, ttls, now } = opts;
  await app.register(dashboardRoutes, { db, cache, timeZone, currency, dbIdentity, ttls, now });
};
