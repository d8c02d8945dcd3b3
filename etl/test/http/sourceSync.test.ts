/**
 * A connector run (startSources, the daemon's wiring) against the local Lightspeed wire-format
 * server moves /metrics the way the simulator sync does (runs, rows, errors, breaker state, lag
 * per source) and drops the API's cached figures of the days it changed, seen over real HTTP
 * with the real Redis cache.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { loadConfig } from '../../src/config/config';
import { startHttp, type HttpService } from '../../src/http/service';
import { LocalJobLock } from '../../src/jobs/lock';
import { Scheduler } from '../../src/jobs/scheduler';
import { syncCatalog } from '../../src/kpi/catalog';
import { logger } from '../../src/log/logger';
import { LightspeedStore, LightspeedTestServer } from '../../src/sources/lightspeed/testServer/server';
import { changedDays, startSources } from '../../src/sources/runtime/startSources';
import type { JobDef } from '../../src/jobs/scheduler';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { get, SECRET, SHARED_REDIS, token } from './helpers';

const TZ = 'America/New_York';
const T1 = new Date('2026-11-20T17:00:00Z'); // 12:00 in New York
const T2 = new Date('2026-11-20T19:00:00Z'); // 14:00
let clock = T1;
let db: TestDb;
let http: HttpService;
let shop: LightspeedStore;
let lightspeed: LightspeedTestServer;
let scheduler: Scheduler;
let job: JobDef;
let breaker: () => string;
const prefix = `kpi-test:${randomUUID()}:`;

function order(id: number, at: Date, priceExcl: number): Record<string, unknown> {
  const iso = at.toISOString();
  return { id, number: `W${id}`, createdAt: iso, updatedAt: iso, status: 'completed_shipped', paymentStatus: 'paid', priceExcl, priceIncl: priceExcl, currency: 'usd', customer: false };
}

/** The sum of a family's samples whose labels include these (Prometheus text, one sample a line). */
async function metric(name: string, labels: Record<string, string>): Promise<number | null> {
  const text = await (await fetch(`${http.url}/metrics`)).text();
  let found: number | null = null;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) found = (found ?? 0) + Number(m[3]);
  }
  return found;
}

beforeAll(async () => {
  db = await createTestDb({ timeZone: TZ });
  await syncCatalog(db);
  shop = new LightspeedStore();
  shop.orders.push(order(1, new Date('2026-11-20T15:00:00Z'), 100));
  lightspeed = new LightspeedTestServer({ store: shop, key: 'k', secret: 's' });
  await lightspeed.start();
  const config = loadConfig({
    HTTP_PORT: '0', API_JWT_SECRET: SECRET, REDIS_URL: SHARED_REDIS, STORE_TIMEZONE: TZ,
    LIGHTSPEED_API_KEY: 'k', LIGHTSPEED_API_SECRET: 's', LIGHTSPEED_BASE_URL: lightspeed.url,
  });
  http = await startHttp(config, db, logger, { now: () => clock, redisPrefix: prefix });
  scheduler = new Scheduler(new LocalJobLock(), logger);
  const started = startSources({
    db, config, log: logger, scheduler, live: null, now: () => clock, invalidateDays: http.invalidateDays,
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
  });
  expect(started.jobs.map((j) => j.name)).toEqual(['sync-lightspeed']);
  job = started.jobs[0] as JobDef;
  breaker = () => started.runners[0]?.breaker.state ?? 'none';
}, 120_000);

afterAll(async () => {
  await scheduler?.stop();
  const r = new Redis(SHARED_REDIS);
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
  await http?.stop();
  await lightspeed?.stop();
  await db?.close();
});

test('a Lightspeed run moves /metrics and a cached endpoint shows the new order of today', async () => {
  const admin = await token('admin');
  const today = () => get(`${http.url}/api/v1/dashboard/revenue-today`, admin);
  const ok = { source: 'lightspeed', stream: 'orders', status: 'ok' };
  const runs0 = (await metric('etl_sync_runs_total', ok)) ?? 0;
  const rows0 = (await metric('etl_sync_rows_total', { source: 'lightspeed', stream: 'orders', kind: 'upserted' })) ?? 0;

  await scheduler.trigger(job);
  expect(await metric('etl_sync_runs_total', ok)).toBe(runs0 + 1);
  expect(await metric('etl_sync_rows_total', { source: 'lightspeed', stream: 'orders', kind: 'upserted' })).toBe(rows0 + 1);
  expect(await metric('etl_sync_breaker_state', { source: 'lightspeed' })).toBe(0);
  expect(await metric('etl_sync_lag_seconds', { source: 'lightspeed' })).toBeGreaterThanOrEqual(0);

  const first = await today();
  expect(first.status).toBe(200);
  expect(first.headers.get('x-cache')).toBe('miss');
  expect(first.body.revenue).toBe('100.00');
  expect(first.body.orders).toBe(1);
  const again = await today();
  expect(again.headers.get('x-cache')).toBe('hit');
  expect(again.body.revenue).toBe('100.00');

  // An order placed at 13:55 local; the next run (at 14:00) loads it and drops today's cached figures.
  shop.orders.push(order(2, new Date('2026-11-20T18:55:00Z'), 23.45));
  clock = T2;
  await scheduler.trigger(job);
  expect(await metric('etl_sync_runs_total', ok)).toBe(runs0 + 2);
  expect(await metric('etl_sync_rows_total', { source: 'lightspeed', stream: 'orders', kind: 'upserted' })).toBe(rows0 + 2);
  const after = await today();
  expect(after.headers.get('x-cache')).toBe('miss');
  expect(after.body.revenue).toBe('123.45');
  expect(after.body.orders).toBe(2);
  const [v] = (await db.query<{ revenue: string }>('SELECT revenue FROM adm.revenue_comparison($1)', [T2.toISOString()])).rows;
  expect(after.body.revenue).toBe(v?.revenue);
}, 120_000);

test('a failing run counts as an error on /metrics, with the breaker state of the source', async () => {
  const errors0 = (await metric('etl_sync_errors_total', { source: 'lightspeed' })) ?? 0;
  await lightspeed.stop();
  await scheduler.trigger(job);
  // Every stream of the run failed or was skipped once the breaker opened; at least the first one is an error.
  expect(await metric('etl_sync_errors_total', { source: 'lightspeed' })).toBeGreaterThan(errors0);
  expect(await metric('etl_sync_runs_total', { source: 'lightspeed', stream: 'orders', status: 'error' })).toBeGreaterThanOrEqual(1);
  expect(await metric('etl_sync_breaker_state', { source: 'lightspeed' })).toBe({ closed: 0, half_open: 1, open: 2 }[breaker()]);
}, 120_000);

test('changed days are each run’s own local days', () => {
  const run = (min: string, max: string, rowsUpserted = 1) => ({ rowsUpserted, minTime: new Date(min), maxTime: new Date(max) }) as Parameters<typeof changedDays>[0][number];
  expect(
    changedDays([run('2026-11-20T04:00:00Z', '2026-11-21T06:00:00Z'), run('2026-11-25T12:00:00Z', '2026-11-25T12:00:00Z'), run('2026-12-01T12:00:00Z', '2026-12-01T12:00:00Z', 0)], TZ),
  ).toEqual(['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-25']);
});
