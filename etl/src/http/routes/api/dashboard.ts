/**
 * The six dashboard endpoints under /api/v1/dashboard/: the same sections as the Grafana main
 * dashboard, read from the same role views, cached per role and normalised parameters.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Db, Queryable } from '../../../db/db';
import { addDays, localDay } from '../../../util/time';
import type { ApiRole } from '../../auth';
import type { CacheSpec, KpiCache } from '../../cache';
import { recordCacheComputation, recordCacheResult } from '../../metrics';
import { sendProblem } from '../../problem';
import * as reads from './kpiReads';
import * as S from './schemas';
import { localMidnight, parseInstant, resolveRange, type RangeQuery, type ResolvedRange, type Timeframe } from './timeframe';

/** Seconds each kind of figure stays cached (live orders are never cached). */
export interface CacheTtls {
  revenue: number;
  productRankings: number;
  historical: number;
}
export const DEFAULT_TTLS: CacheTtls = { revenue: 300, productRankings: 900, historical: 3600 };

export interface DashboardRoutesOptions {
  db: Db;
  cache: KpiCache;
  timeZone: string;
  currency: string;
  /** Distinguishes databases sharing one Redis (part of every key). */
  dbIdentity: string;
  ttls?: Partial<CacheTtls>;
  now?: () => Date;
}

type Endpoint = 'revenue-today' | 'conversion-funnel' | 'top-products' | 'customer-insights' | 'campaign-performance' | 'live-orders';

const ALL_ROLES: ApiRole[] = ['admin', 'manager', 'public'];
const STAFF: ApiRole[] = ['admin', 'manager'];

interface Computation {
  /** null = never cached. */
  cache: Omit<CacheSpec, 'key'> & { params: string } | null;
  range: ResolvedRange | null;
  run: (q: Queryable, schema: string) => Promise<Record<string, unknown>>;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, opts) => {
  const ttls = { ...DEFAULT_TTLS, ...opts.ttls };
  const now = opts.now ?? (() => new Date());
  const tz = opts.timeZone;

  const rangeOf = (q: RangeQuery, fallback: Timeframe): ResolvedRange => resolveRange(q, now(), tz, fallback);

  const route = (
    endpoint: Endpoint,
    roles: ApiRole[],
    summary: string,
    description: string,
    querystring: Record<string, unknown>,
    response: Record<string, unknown>,
    plan: (req: FastifyRequest, role: ApiRole) => Computation,
  ): void => {
    app.get(
      `/dashboard/${endpoint}`,
      {
        config: { roles },
        schema: {
          summary,
          description: `${description}\n\nRoles: ${roles.join(', ')}.`,
          tags: ['dashboard'],
          security: [{ bearer: [] }],
          querystring: S.querySchema(querystring),
          response: { 200: response, '4xx': { description: 'Problem details (RFC 9457)', content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } } },
        },
      },
      async (req, reply) => {
        const role = req.principal?.role;
        if (!role) return sendProblem(reply, 401, 'no bearer token');
        if (!roles.includes(role)) return sendProblem(reply, 403, `role ${role} may not read ${endpoint} (allowed: ${roles.join(', ')})`);
        const c = plan(req, role);
        const compute = async (): Promise<string> => {
          recordCacheComputation(endpoint);
          const generatedAt = new Date().toISOString();
          const data = await reads.readAs(opts.db, role, c.run);
          const body: Record<string, unknown> = { currency: opts.currency, role, generated_at: generatedAt };
          if (c.range) body.range = { from: c.range.from.toISOString(), to: c.range.to.toISOString(), timeframe: c.range.timeframe };
          return JSON.stringify({ ...body, ...data });
        };
        let value: string | Buffer;
        if (c.cache) {
          const out = await opts.cache.getOrCompute({ key: `${opts.dbIdentity}:${role}:${endpoint}:${c.cache.params}`, ttlS: c.cache.ttlS, days: c.cache.days }, compute);
          recordCacheResult(endpoint, out.hit ? 'hit' : 'miss');
          reply.header('x-cache', out.hit ? 'hit' : 'miss');
          value = out.body;
        } else {
          recordCacheResult(endpoint, 'bypass');
          reply.header('x-cache', 'bypass');
          value = await compute();
        }
        return reply.type('application/json; charset=utf-8').send(value);
      },
    );
  };

  const rangedTtl = (r: ResolvedRange, ttl: number): number => (r.historical ? ttls.historical : ttl);

  route(
    'revenue-today',
    ALL_ROLES,
    'Revenue today with its three comparisons and target',
    'Net sales of the local day containing `at` (default now) up to `at`: vs yesterday up to the same local time, vs the mean of the 7 previous days up to the same time, vs the daily target pro rata. Shipping and tax excluded.',
    { at: { type: 'string', pattern: S.rangeQuery.from.pattern, description: 'Reference instant (ISO 8601 with offset); default now' } },
    S.revenueTodayResponse,
    (req) => {
      const q = req.query as { at?: string };
      const at = q.at ? parseInstant('at', q.at, tz) : now();
      const past = q.at !== undefined && at.getTime() < localMidnight(localDay(now(), tz), tz).getTime();
      return {
        range: null,
        cache: {
          params: q.at ? `at=${at.toISOString()}` : 'at=now',
          ttlS: past ? ttls.historical : ttls.revenue,
          // The day of `at`, yesterday and the 7 days before (the comparisons).
          days: () => {
            const day = localDay(at, tz);
            return Array.from({ length: 9 }, (_, i) => addDays(day, i - 8));
          },
        },
        run: async (db, schema) => reads.revenueToday(db, schema, at),
      };
    },
  );

  route(
    'conversion-funnel',
    STAFF,
    'Funnel steps with drop-offs and the bottleneck, conversion rates',
    'Distinct visitors reaching each step (visitors → add to cart → checkout → order) in the range, drop-off against the catalog benchmarks, the bottleneck; conversion, add-to-cart, checkout completion and cart abandonment rates.',
    { ...S.rangeQuery },
    S.funnelResponse,
    (req) => {
      const r = rangeOf(req.query as RangeQuery, '30d');
      return { range: r, cache: { params: `range=${r.key}`, ttlS: ttls.historical, days: r.days }, run: (db, schema) => reads.conversionFunnel(db, schema, r.from, r.to) };
    },
  );

  route(
    'top-products',
    STAFF,
    'Top products by revenue or units (margin for admins only)',
    'Every product ranked over the range (zero sellers included), with units and revenue (before refunds); admins also get COGS, margin and margin %.',
    { ...S.rangeQuery, limit: S.limitParam(10, 'Number of products'), sort: { type: 'string', enum: ['revenue', 'units'], default: 'revenue', description: 'Rank by revenue or units' } },
    S.topProductsResponse,
    (req, role) => {
      const q = req.query as RangeQuery & { limit: number; sort: 'revenue' | 'units' };
      const r = rangeOf(q, '7d');
      return {
        range: r,
        cache: { params: `range=${r.key}&limit=${q.limit}&sort=${q.sort}`, ttlS: rangedTtl(r, ttls.productRankings), days: r.days },
        run: (db, schema) => reads.topProducts(db, schema, role, r.from, r.to, q.limit, q.sort),
      };
    },
  );

  route(
    'customer-insights',
    STAFF,
    'New vs returning, CLV, repeat rate, days between purchases, top customers',
    'Orders, customers and revenue of new vs returning customers in the range; CLV and the 90-day repeat rate as of the end of the range; days between purchases (as of now); top customers by revenue in the range.',
    { ...S.rangeQuery, limit: S.limitParam(10, 'Number of top customers') },
    S.customerInsightsResponse,
    (req) => {
      const q = req.query as RangeQuery & { limit: number };
      const r = rangeOf(q, '30d');
      // Lifetime figures depend on every earlier day: any sync invalidates them.
      return { range: r, cache: { params: `range=${r.key}&limit=${q.limit}`, ttlS: ttls.historical, days: 'all' }, run: (db, schema) => reads.customerInsights(db, schema, r.from, r.to, q.limit) };
    },
  );

  route(
    'campaign-performance',
    STAFF,
    'Email, social, ads and referral figures',
    'Email campaigns (delivered, open rate with and without machine opens, click rate), social engagement and traffic, ad spend / purchase value / ROAS per campaign and overall with MER, referral conversion, over the range.',
    { ...S.rangeQuery },
    S.campaignResponse,
    (req) => {
      const r = rangeOf(req.query as RangeQuery, '30d');
      return { range: r, cache: { params: `range=${r.key}`, ttlS: ttls.historical, days: r.days }, run: (db, schema) => reads.campaignPerformance(db, schema, r.from, r.to) };
    },
  );

  route(
    'live-orders',
    STAFF,
    'The last N orders with their status (never cached)',
    'Newest first: order id, time, customer, items, total (incl. shipping and tax), status; test orders excluded, cancelled orders shown with valid = false.',
    { limit: S.limitParam(20, 'Number of orders') },
    S.liveOrdersResponse,
    (req) => {
      const q = req.query as { limit: number };
      return { range: null, cache: null, run: (db, schema) => reads.liveOrders(db, schema, q.limit) };
    },
  );
};
