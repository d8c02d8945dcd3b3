/**
 * The KPI API over real HTTP against the seeded embedded database: every endpoint's figures equal
 * the role views' for the same range (and the hand-computed fixture values), role rules, token
 * rules and parameter errors.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import Ajv from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { AddressInfo } from 'node:net';
import { issueToken, TokenVerifier } from '../../src/http/auth';
import { MemoryKpiCache } from '../../src/http/cache';
import { buildHttpServer } from '../../src/http/server';
import { readAs } from '../../src/http/routes/api/kpiReads';
import { logger } from '../../src/log/logger';
import type { TestDb } from '../helpers/testDb';
import { createSeededKpiDb } from '../kpi/fixture';
import { get, SECRET, startTestServer, token, type TestServer } from './helpers';

let db: TestDb;
let srv: TestServer;
let admin: string;
let manager: string;
let pub: string;

// Thu 2026-03-05 .. Wed 2026-03-11 local (New York): every fixture order.
const FROM = '2026-03-05T05:00:00.000Z';
const TO = '2026-03-12T04:00:00.000Z';
const RANGE = 'from=2026-03-05&to=2026-03-11';

beforeAll(async () => {
  db = await createSeededKpiDb();
  srv = await startTestServer(db);
  [admin, manager, pub] = await Promise.all([token('admin'), token('manager'), token('public')]);
}, 120_000);
afterAll(async () => {
  await srv?.close();
  await db?.close();
});

const api = (path: string, tok?: string) => get(`${srv.url}/api/v1/dashboard/${path}`, tok);
const rows = async (sql: string, params: unknown[] = []) => (await db.query<Record<string, unknown>>(sql, params)).rows;
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Every key of a JSON value, at any depth. */
function keysDeep(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => keysDeep(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      keysDeep(x, out);
    }
  return out;
}
const COST = /cogs|margin|unit_cost|cost_cents|inventory_value|inventory_turnover/i;

describe('figures equal the role views for the same range', () => {
  it('revenue-today: the day so far vs yesterday, the 7-day average and the target', async () => {
    const at = '2026-03-06T12:00:00-05:00';
    const r = await api(`revenue-today?at=${encodeURIComponent(at)}`, pub);
    expect(r.status).toBe(200);
    const [v] = await rows('SELECT * FROM pub.revenue_comparison($1::timestamptz)', [at]);
    // By hand: A5 (09:00, 100.00 − 10.00) today; A1 (10:00 the day before, 70.00 − 7.00) yesterday by noon.
    expect(r.body).toMatchObject({ currency: 'USD', role: 'public', day: '2026-03-06', revenue: '90.00', orders: 1, aov: '90.00' });
    expect(r.body.vs_yesterday).toEqual({ revenue: '63.00', orders: 1, change_pct: 42.86 });
    expect(r.body.vs_avg7).toEqual({ revenue: String(v?.avg7_revenue), orders: n(v?.avg7_orders), change_pct: n(v?.vs_avg7_pct) });
    expect(r.body.vs_target).toEqual({
      target_day: String(v?.target_day),
      target_to_time: String(v?.target_to_time),
      change_pct: n(v?.vs_target_pct),
      attainment_rate: n(v?.target_attainment_rate),
    });
    expect(r.body.revenue).toBe(String(v?.revenue));
  });

  it('conversion-funnel: steps, drop-offs, bottleneck and rates', async () => {
    const r = await api('conversion-funnel?from=2026-03-05&to=2026-03-06', manager);
    expect(r.status).toBe(200);
    const from = '2026-03-05T05:00:00Z';
    const to = '2026-03-07T05:00:00Z';
    expect(r.body.range).toEqual({ from: '2026-03-05T05:00:00.000Z', to: '2026-03-07T05:00:00.000Z', timeframe: null });
    const steps = await rows('SELECT * FROM mgr.funnel($1, $2) ORDER BY step_no', [from, to]);
    expect(r.body.steps).toEqual(
      steps.map((s) => ({
        step_no: s.step_no,
        step: s.step,
        visitors: Number(s.visitors),
        step_rate: n(s.step_rate),
        drop_off_pct: n(s.drop_off_pct),
        benchmark_drop_off_pct: n(s.benchmark_drop_off_pct),
        excess_drop_off_pct: n(s.excess_drop_off_pct),
        is_bottleneck: s.is_bottleneck,
      })),
    );
    // Six visitors (v1..v6) → three add to cart → three check out → two order (A1, A5).
    expect((r.body.steps as Array<{ visitors: number }>).map((s) => s.visitors)).toEqual([6, 3, 3, 2]);
    expect(r.body.bottleneck).toBe(steps.find((s) => s.is_bottleneck)?.step);
    const [c] = await rows('SELECT * FROM mgr.conversion_range($1, $2)', [from, to]);
    expect(r.body).toMatchObject({
      sessions: 8,
      visitors: 6,
      conversion_rate: n(c?.conversion_rate),
      add_to_cart_rate: n(c?.add_to_cart_rate),
      checkout_completion_rate: n(c?.checkout_completion_rate),
    });
    expect(r.body.conversion_rate).toBe(0.25); // 2 purchase sessions of 8
    const [cart] = await rows(
      `SELECT sum(carts_created) AS created, sum(carts_abandoned) AS abandoned, sum(carts_converted) AS converted FROM mgr.cart_abandonment_daily WHERE time >= $1 AND time < $2`,
      [from, to],
    );
    expect(r.body.carts).toEqual({ created: Number(cart?.created), abandoned: Number(cart?.abandoned), converted: Number(cart?.converted) });
    expect(r.body.cart_abandonment_rate).toBe(0.5); // K1, K4 converted; K2, K3 abandoned
  });

  it('top-products: admin gets margin, ranked as product_performance ranks them', async () => {
    const r = await api(`top-products?${RANGE}&limit=4`, admin);
    expect(r.status).toBe(200);
    const view = await rows('SELECT * FROM adm.product_performance($1, $2) ORDER BY revenue DESC, units DESC, name LIMIT 4', [FROM, TO]);
    const products = r.body.products as Array<Record<string, unknown>>;
    expect(products.map((p) => [p.sku, p.units, p.revenue, p.cogs, p.margin, p.margin_pct])).toEqual(
      view.map((p) => [p.sku, Number(p.units), String(p.revenue), String(p.cogs), String(p.margin), n(p.margin_pct)]),
    );
    // By hand: P3 = A1 (50.00 − 5.00) + A8 (50.00 − 5.00), cost 2 × 20.00; P4 = A5 100.00 − 10.00, cost 50.00.
    expect(products[0]).toMatchObject({ sku: 'P3', units: 2, revenue: '90.00', cogs: '40.00', margin: '50.00' });
    expect(products[1]).toMatchObject({ sku: 'P4', units: 1, revenue: '90.00', cogs: '50.00', margin: '40.00' });
    expect(products).toHaveLength(4);
    const byUnits = await api(`top-products?${RANGE}&sort=units&limit=2`, admin);
    expect((byUnits.body.products as Array<{ sku: string }>).map((p) => p.sku)).toEqual(['P2', 'P1']); // 3 units each, P2 more revenue
  });

  it('customer-insights: new vs returning, CLV, repeat rate, gaps and top customers', async () => {
    const r = await api(`customer-insights?${RANGE}&limit=2`, manager);
    expect(r.status).toBe(200);
    const [nr] = await rows(
      `SELECT sum(new_orders) a, sum(returning_orders) b, sum(guest_orders) c, sum(new_revenue) d, sum(returning_revenue) e
       FROM mgr.new_vs_returning_daily WHERE time >= $1 AND time < $2`,
      [FROM, TO],
    );
    expect(r.body.new_vs_returning).toMatchObject({ new_orders: Number(nr?.a), returning_orders: Number(nr?.b), guest_orders: Number(nr?.c), new_revenue: String(nr?.d), returning_revenue: String(nr?.e) });
    // First orders A1 (C1), A2 (C2), A6 (C4); returning A5 (C1), A7 (C2); guest A8.
    expect(r.body.new_vs_returning).toMatchObject({ new_orders: 3, returning_orders: 2, guest_orders: 1 });
    const [clv] = await rows('SELECT * FROM mgr.clv_at($1)', [TO]);
    expect(r.body.clv).toMatchObject({ customers: Number(clv?.customers), historical: String(clv?.clv_historical) });
    const [rr] = await rows('SELECT * FROM mgr.repeat_rate_90d_at($1)', [TO]);
    expect(r.body.repeat_rate_90d).toMatchObject({ eligible_customers: Number(rr?.eligible_customers), rate: n(rr?.repeat_rate_90d) });
    const [gaps] = await rows('SELECT * FROM mgr.days_between_purchases');
    expect(r.body.days_between_purchases).toEqual({ gaps: Number(gaps?.gaps), customers: Number(gaps?.customers), mean_days: n(gaps?.mean_days), median_days: n(gaps?.median_days) });
    const top = await rows('SELECT * FROM mgr.top_customers($1, $2, 2)', [FROM, TO]);
    expect(r.body.top_customers).toEqual(top.map((c) => ({ rank: Number(c.rank), customer_id: c.customer_id, customer_name: c.customer_name, orders: Number(c.orders), revenue: String(c.revenue) })));
    // C1: A1 63.00 + A5 90.00 − refund 30.00.
    expect(r.body.top_customers).toEqual([
      { rank: 1, customer_id: 'C1', customer_name: 'Ada One', orders: 2, revenue: '123.00' },
      { rank: 2, customer_id: 'C4', customer_name: 'Di Four', orders: 1, revenue: '50.00' },
    ]);
  });

  it('campaign-performance: email, social, ads and referrals', async () => {
    const r = await api(`campaign-performance?${RANGE}`, manager);
    expect(r.status).toBe(200);
    const email = r.body.email as Array<Record<string, unknown>>;
    // EM1: 1000 + 500 delivered, 300 + 100 opens (100 + 20 machine), 40 + 10 clicks.
    expect(email).toEqual([{ campaign_id: 'EM1', campaign_name: 'Spring mail', delivered: 1500, unique_opens: 400, unique_clicks: 50, open_rate: 0.2667, open_rate_excl_machine: 0.1867, click_rate: 0.0333 }]);
    const [m] = await rows('SELECT * FROM mgr.marketing_range($1, $2)', [FROM, TO]);
    const ads = r.body.ads as Record<string, unknown>;
    expect(ads).toMatchObject({ spend: String(m?.ad_spend), purchase_value: String(m?.purchase_value), roas: n(m?.roas), revenue: String(m?.revenue), mer: n(m?.mer) });
    expect(ads).toMatchObject({ spend: '40.00', purchase_value: '70.00', roas: 1.75 });
    const perCampaign = await rows(
      `SELECT campaign_id, sum(spend) AS spend, sum(purchases) AS purchases FROM mgr.ads_campaign_daily WHERE time >= $1 AND time < $2 GROUP BY campaign_id ORDER BY sum(spend) DESC`,
      [FROM, TO],
    );
    expect((ads.campaigns as Array<Record<string, unknown>>).map((a) => [a.campaign_id, a.spend, a.purchases])).toEqual(perCampaign.map((a) => [a.campaign_id, String(a.spend), Number(a.purchases)]));
    // post1 + post2 on 03-05: 3000 impressions; 100 + 40 engagements.
    expect(r.body.social).toMatchObject({ impressions: 3000, engagements: 140, engagement_rate: 0.0467 });
    const [ref] = await rows(`SELECT sum(referrals_sent) s, sum(referrals_converted) c FROM mgr.referrals_daily WHERE time >= $1 AND time < $2`, [FROM, TO]);
    expect(r.body.referrals).toMatchObject({ sent: Number(ref?.s), converted: Number(ref?.c) });
  });

  it('live-orders: the last N orders newest first, with status and total', async () => {
    const r = await api('live-orders?limit=4', manager);
    expect(r.status).toBe(200);
    const view = await rows('SELECT order_id, total, status FROM mgr.order_feed ORDER BY time DESC, order_id DESC LIMIT 4');
    expect((r.body.orders as Array<Record<string, unknown>>).map((o) => [o.order_id, o.total, o.status])).toEqual(view.map((o) => [o.order_id, String(o.total), o.status]));
    expect((r.body.orders as Array<{ order_id: string }>).map((o) => o.order_id)).toEqual(['A8', 'A7', 'A6', 'A5']);
    const all = await api('live-orders?limit=100', admin);
    const ids = (all.body.orders as Array<{ order_id: string; valid: boolean }>).map((o) => o.order_id);
    expect(ids).not.toContain('A4'); // test order
    expect((all.body.orders as Array<{ order_id: string; valid: boolean }>).find((o) => o.order_id === 'A3')?.valid).toBe(false); // cancelled
  });

  it('relative timeframes resolve against the clock (mtd from local midnight of the 1st)', async () => {
    const r = await api('top-products?timeframe=mtd', admin);
    expect(r.status).toBe(200);
    const range = r.body.range as { from: string; to: string; timeframe: string };
    expect(range.timeframe).toBe('mtd');
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(range.from));
    expect(local).toBe('01, 00:00');
    const week = await api('conversion-funnel?timeframe=7d', admin);
    const w = week.body.range as { from: string; to: string };
    expect(Date.parse(w.to) - Date.parse(w.from)).toBe(7 * 86_400_000);
  });
});

describe('roles', () => {
  const everything = ['revenue-today', 'conversion-funnel', `top-products?${RANGE}`, `customer-insights?${RANGE}`, `campaign-performance?${RANGE}`, 'live-orders'];

  it('managers never receive a cost field, on any endpoint (checked on the JSON, at every depth)', async () => {
    for (const p of everything) {
      const r = await api(p, manager);
      expect(r.status).toBe(200);
      expect([...keysDeep(r.body)].filter((k) => COST.test(k))).toEqual([]);
    }
    // The same check finds the admin's cost fields, so it can fail.
    const a = await api(`top-products?${RANGE}`, admin);
    expect([...keysDeep(a.body)].filter((k) => COST.test(k)).sort()).toEqual(['cogs', 'margin', 'margin_pct']);
  });

  it('the database itself refuses a role what is not its own (reads run as the role login)', async () => {
    await expect(readAs(db, 'manager', (q) => q.query(`SELECT cogs FROM adm.product_performance(now() - interval '1 day', now())`))).rejects.toThrow(/permission denied/);
    await expect(readAs(db, 'public', (q) => q.query('SELECT * FROM mgr.order_feed LIMIT 1'))).rejects.toThrow(/permission denied/);
    await expect(readAs(db, 'admin', (q) => q.query('SELECT * FROM orders LIMIT 1'))).rejects.toThrow(/permission denied/);
    expect((await readAs(db, 'public', (q, schema) => q.query(`SELECT revenue FROM ${schema}.revenue_today`))).rows).toHaveLength(1);
  });

  it('public reads revenue only: 403 problem on every other endpoint', async () => {
    expect((await api('revenue-today', pub)).status).toBe(200);
    for (const p of everything.slice(1)) {
      const r = await api(p, pub);
      expect(r.status).toBe(403);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.body.detail).toMatch(/role public may not read/);
    }
  });
});

describe('tokens', () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('401 for no token, expired, another key, alg none, tampered payload, not yet valid, no exp, future iat, bad role', async () => {
    const now = Math.floor(Date.now() / 1000);
    const hs = (payload: object) => {
      const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
      return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
    };
    const [, body, sig] = manager.split('.') as [string, string, string];
    const tampered = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), role: 'admin' })}.${sig}`;
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['no token', undefined, /no bearer token/],
      ['expired', await token('admin', { now: new Date(Date.now() - 7200_000), ttlS: 3600 }), /expired/],
      ['another key', await token('admin', { secret: 'another-secret-another-secret-another-1' }), /signature/],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ role: 'admin', exp: now + 3600 })}.`, /algorithm|malformed/],
      ['tampered payload', tampered, /signature/],
      ['not yet valid', hs({ role: 'admin', exp: now + 3600, nbf: now + 600 }), /nbf/],
      ['no exp', hs({ role: 'admin', iat: now }), /exp/],
      ['iat in the future', hs({ role: 'admin', exp: now + 3600, iat: now + 600 }), /iat/],
      ['unknown role', hs({ role: 'owner', exp: now + 3600 }), /role/],
    ];
    for (const [name, tok, reason] of cases) {
      const r = await api('revenue-today', tok);
      expect([name, r.status]).toEqual([name, 401]);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect([name, r.body.detail]).toEqual([name, expect.stringMatching(reason)]);
    }
    // Within the allowed skew (30 s) a just-expired token still passes; the shared secret is never echoed.
    const skewed = hs({ role: 'admin', exp: now - 10 });
    expect((await api('revenue-today', skewed)).status).toBe(200);
  });

  it('without a configured key the API answers 503, never an open door', async () => {
    const server = await buildHttpServer({
      db,
      log: logger,
      cache: new MemoryKpiCache(),
      redis: null,
      verifier: await TokenVerifier.create({ API_JWT_CLOCK_SKEW_S: 30 }),
      timeZone: 'America/New_York',
      currency: 'USD',
      dbIdentity: 'none',
      rateLimitPerMin: 1000,
      readyMaxSyncAgeS: 0,
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const r = await get(`http://127.0.0.1:${(server.server.address() as AddressInfo).port}/api/v1/dashboard/revenue-today`, admin);
      expect(r.status).toBe(503);
      expect(r.body.detail).toMatch(/API_JWT_SECRET or API_JWT_PUBLIC_KEY/);
    } finally {
      await server.close();
    }
  });

  it('RS256 with a public key: its tokens verify, an HS256 token made from the public key does not', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const server = await buildHttpServer({
      db,
      log: logger,
      cache: new MemoryKpiCache(),
      redis: null,
      verifier: await TokenVerifier.create({ API_JWT_PUBLIC_KEY: pem, API_JWT_AUDIENCE: 'kpi-api', API_JWT_ISSUER: 'store', API_JWT_CLOCK_SKEW_S: 5 }),
      timeZone: 'America/New_York',
      currency: 'USD',
      dbIdentity: 'rs',
      rateLimitPerMin: 1000,
      readyMaxSyncAgeS: 0,
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/api/v1/dashboard/revenue-today`;
    try {
      const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const good = await issueToken({ role: 'public', ttlS: 60, privateKeyPem: privPem, audience: 'kpi-api', issuer: 'store' });
      expect((await get(url, good)).status).toBe(200);
      const wrongAud = await issueToken({ role: 'public', ttlS: 60, privateKeyPem: privPem, audience: 'other', issuer: 'store' });
      expect((await get(url, wrongAud)).body.detail).toMatch(/aud/);
      const confused = await issueToken({ role: 'admin', ttlS: 60, secret: pem, audience: 'kpi-api', issuer: 'store' });
      const r = await get(url, confused);
      expect(r.status).toBe(401);
      expect(r.body.detail).toMatch(/algorithm/);
    } finally {
      await server.close();
    }
  });
});

describe('parameters', () => {
  it('400 problem naming each bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['top-products?timeframe=2d', 'timeframe'],
      ['top-products?limit=0', 'limit'],
      ['top-products?limit=101', 'limit'],
      ['live-orders?limit=abc', 'limit'],
      ['live-orders?limit=101', 'limit'],
      ['top-products?sort=price', 'sort'],
      ['top-products?from=2026-03-05', 'to'],
      ['top-products?to=2026-03-05', 'from'],
      ['top-products?from=2026-03-09&to=2026-03-05', 'to'],
      ['top-products?from=2026-02-30&to=2026-03-05', 'from'],
      ['top-products?from=yesterday&to=2026-03-05', 'from'],
      ['top-products?from=2024-01-01&to=2026-03-05', 'from'],
      ['top-products?timeframe=7d&from=2026-03-01&to=2026-03-05', 'timeframe'],
      ['top-products?timefram=7d', 'timefram'],
      ['revenue-today?at=2026-03-06', 'at'],
      ['customer-insights?limit=-1', 'limit'],
    ];
    for (const [path, parameter] of cases) {
      const r = await api(path, admin);
      expect([path, r.status, r.body.parameter]).toEqual([path, 400, parameter]);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(String(r.body.detail)).toContain(parameter);
    }
  });

  it('unknown paths are problem+json 404s', async () => {
    const r = await api('nope', admin);
    expect(r.status).toBe(404);
    expect(r.type).toMatch(/^application\/problem\+json/);
  });
});

describe('OpenAPI', () => {
  it('documents the six endpoints, their parameters and the bearer scheme', async () => {
    const r = await get(`${srv.url}/api/v1/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const paths = r.body.paths as Record<string, { get: { parameters: Array<{ name: string; schema: { enum?: string[]; maximum?: number } }>; responses: Record<string, unknown> } }>;
    expect(Object.keys(paths).sort()).toEqual(
      ['campaign-performance', 'conversion-funnel', 'customer-insights', 'live-orders', 'revenue-today', 'top-products'].map((p) => `/api/v1/dashboard/${p}`),
    );
    const tp = paths['/api/v1/dashboard/top-products']!.get;
    expect(tp.parameters.find((p) => p.name === 'timeframe')?.schema.enum).toEqual(['1d', '7d', '30d', '90d', 'mtd']);
    expect(tp.parameters.find((p) => p.name === 'limit')?.schema.maximum).toBe(100);
    expect(tp.responses['200']).toBeDefined();
    expect(Object.keys((tp.responses['4XX'] as { content: object }).content)).toEqual(['application/problem+json']);
    expect((r.body.components as { securitySchemes: object }).securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
  });
});

describe('rate limit', () => {
  it('per token, counted in Redis: over its budget a token gets a 429 problem with Retry-After; another token is unaffected', async () => {
    const s = await startTestServer(db, { rateLimitPerMin: 3 });
    try {
      const [a, b] = [await token('public'), await token('public')];
      const url = `${s.url}/api/v1/dashboard/revenue-today`;
      for (let i = 0; i < 3; i++) expect((await get(url, a)).status).toBe(200);
      const over = await get(url, a);
      expect(over.status).toBe(429);
      expect(over.type).toMatch(/^application\/problem\+json/);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await get(url, b)).status).toBe(200);
      expect((await s.redis!.keys(`${s.prefix}rl:*`)).length).toBe(2);
      // Health and the OpenAPI document need no token and are not limited.
      for (let i = 0; i < 5; i++) expect((await get(`${s.url}/api/v1/openapi.json`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('OpenAPI response schemas describe what is sent', () => {
  it('every endpoint, for every role allowed on it, validates against its documented 200 schema', async () => {
    const doc = (await get(`${srv.url}/api/v1/openapi.json`)).body as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }> };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const calls: Array<[string, string, string[]]> = [
      ['revenue-today', 'at=2026-03-06T12:00:00Z', ['admin', 'manager', 'public']],
      ['conversion-funnel', RANGE, ['admin', 'manager']],
      ['top-products', RANGE, ['admin', 'manager']],
      ['customer-insights', RANGE, ['admin', 'manager']],
      ['campaign-performance', RANGE, ['admin', 'manager']],
      ['live-orders', 'limit=100', ['admin', 'manager']],
    ];
    const tokens: Record<string, string> = { admin, manager, public: pub };
    for (const [endpoint, query, roles] of calls) {
      const schema = doc.paths[`/api/v1/dashboard/${endpoint}`]!.get.responses['200']!.content['application/json']!.schema;
      const validate = ajv.compile(schema);
      for (const role of roles) {
        const r = await api(`${endpoint}?${query}`, tokens[role]);
        expect(r.status).toBe(200);
        const ok = validate(r.body);
        expect([endpoint, role, ok ? 'valid' : ajv.errorsText(validate.errors)]).toEqual([endpoint, role, 'valid']);
      }
    }
  });
});
