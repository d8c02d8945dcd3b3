/**
 * The daemon's HTTP service as app.ts starts it (startHttp), over a database the simulator fills:
 * /metrics is valid Prometheus text and moves after a real sync; the sync drops the cached
 * figures of the day it changed; /readyz reports the last successful sync age per source.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { loadConfig } from '../../src/config/config';
import { syncSimulator, syncSimulatorLive } from '../../src/jobs/syncSimulator';
import { refreshAggregates } from '../../src/kpi/aggregates';
import { syncCatalog } from '../../src/kpi/catalog';
import { logger } from '../../src/log/logger';
import { startHttp, type HttpService } from '../../src/http/service';
import { RequestStats } from '../../src/http/requestStats';
import { readAs } from '../../src/http/routes/api/kpiReads';
import { StoreSimulator } from '../../src/sources/simulator';
import { createTestDb, type TestDb } from '../helpers/testDb';
import { get, SECRET, SHARED_REDIS, token } from './helpers';

const TZ = 'America/New_York';
const T1 = new Date('2026-11-20T15:00:00Z'); // 10:00 in New York
const T2 = new Date('2026-11-20T19:30:00Z'); // 14:30
let clock = T1;
let db: TestDb;
let http: HttpService;
let sim: StoreSimulator;
const prefix = `kpi-test:${randomUUID()}:`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format (0.0.4): every line is a comment or a valid sample of a declared family. */
function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  // prom-client writes a not-yet-sampled gauge (event-loop lag before its first tick) as "Nan";
  // Prometheus reads sample values with Go's ParseFloat, which takes NaN in any letter case.
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|[Nn][Aa][Nn]|\+Inf|-Inf)(?: -?\d+)?$/;
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      types.set(t[1] as string, t[2] as string);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const name = m[1] as string;
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((f) => types.has(f));
    if (!family) throw new Error(`sample without a TYPE line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = l[2] as string;
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${http.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}
const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((a, x) => a + x.value, 0);

beforeAll(async () => {
  db = await createTestDb({ timeZone: TZ });
  await syncCatalog(db);
  sim = new StoreSimulator({ seed: 42, scale: 1, timeZone: TZ, openedOn: '2026-11-19' });
  const s = await syncSimulator(db, sim, { timeZone: TZ, openedOn: '2026-11-19', now: T1, log: logger });
  await refreshAggregates(db, null, null);
  expect(s.changed).toBeGreaterThan(0);
  const config = loadConfig({ HTTP_PORT: '0', API_JWT_SECRET: SECRET, REDIS_URL: SHARED_REDIS, READYZ_MAX_SYNC_AGE_S: '300' });
  http = await startHttp(config, db, logger, { now: () => clock, redisPrefix: prefix });
}, 120_000);
afterAll(async () => {
  const r = new Redis(SHARED_REDIS);
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
  await http?.stop();
  await db?.close();
});

test('/healthz answers while the process is up', async () => {
  expect((await get(`${http.url}/healthz`)).body).toEqual({ status: 'ok' });
});

test('/metrics parses as Prometheus text and moves after a sync, which also drops the cached day', async () => {
  const admin = await token('admin');
  const today = () => get(`${http.url}/api/v1/dashboard/revenue-today`, admin);
  const before = await today();
  expect(before.headers.get('x-cache')).toBe('miss');
  expect((await today()).headers.get('x-cache')).toBe('hit');
  const m0 = await scrape();

  clock = T2;
  const stats = await syncSimulatorLive(db, sim, { timeZone: TZ, openedOn: '2026-11-19', now: T2 });
  expect(stats.changed).toBeGreaterThan(0);
  await refreshAggregates(db, null, null);
  await http.afterSync('simulator', 'live', stats);

  const m1 = await scrape();
  const live = { source: 'simulator', stream: 'live' };
  expect(value(m1, 'etl_sync_runs_total', { ...live, status: 'ok' }) - value(m0, 'etl_sync_runs_total', { ...live, status: 'ok' })).toBe(1);
  expect(value(m1, 'etl_sync_rows_total', { ...live, kind: 'upserted' }) - value(m0, 'etl_sync_rows_total', { ...live, kind: 'upserted' })).toBe(stats.changed);
  expect(value(m1, 'etl_sync_rows_total', { ...live, kind: 'read' }) - value(m0, 'etl_sync_rows_total', { ...live, kind: 'read' })).toBe(stats.received);
  expect(m1.find((x) => x.name === 'etl_sync_lag_seconds' && x.labels.source === 'simulator')?.value).toBeGreaterThanOrEqual(0);
  const route = { route: '/api/v1/dashboard/revenue-today', method: 'GET', status: '200' };
  expect(value(m1, 'http_request_duration_seconds_count', route)).toBe(2);
  expect(value(m1, 'http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(2);
  expect(value(m1, 'api_cache_requests_total', { endpoint: 'revenue-today', result: 'hit' })).toBeGreaterThanOrEqual(1);
  expect(value(m1, 'api_cache_requests_total', { endpoint: 'revenue-today', result: 'miss' })).toBeGreaterThanOrEqual(1);
  expect(m1.some((x) => x.name === 'nodejs_eventloop_lag_seconds')).toBe(true);

  // The sync changed today: the cached figure is gone, the new one is the view's as of the new clock.
  const after = await today();
  expect(after.headers.get('x-cache')).toBe('miss');
  const [v] = (await db.query<{ revenue: string; orders: string }>('SELECT revenue, orders FROM adm.revenue_comparison($1)', [T2.toISOString()])).rows;
  expect(after.body.revenue).toBe(v?.revenue);
  expect(after.body.orders).toBe(Number(v?.orders));
  expect(Number(after.body.orders)).toBeGreaterThan(Number(before.body.orders));
});

test('/readyz: database and Redis reachable, last successful sync age per source, 503 naming the stale source', async () => {
  await db.query(
    `INSERT INTO etl_runs (source, stream, started_at, finished_at, status, error) VALUES
       ('square', 'orders', $1::timestamptz - interval '61 seconds', $1::timestamptz - interval '60 seconds', 'ok', NULL),
       ('ga4', 'traffic', $1::timestamptz - interval '11 minutes', $1::timestamptz - interval '10 minutes', 'ok', NULL),
       ('ga4', 'traffic', $1::timestamptz - interval '2 minutes', $1::timestamptz - interval '1 minute', 'error', 'HTTP 503')`,
    [T2.toISOString()],
  );
  const r = await get(`${http.url}/readyz`);
  expect(r.status).toBe(503);
  expect(r.type).toMatch(/^application\/problem\+json/);
  expect(r.body.reasons).toEqual(['sync ga4: last success 600 s ago (limit 300 s)']);
  const checks = r.body.checks as { database: { ok: boolean }; redis: { ok: boolean }; syncs: unknown[] };
  expect(checks.database.ok).toBe(true);
  expect(checks.redis.ok).toBe(true);
  // The simulator sync earlier in this file recorded its own run (at the wall clock); the
  // seeded sources are the ones asserted here.
  expect(checks.syncs.filter((s) => (s as { source: string }).source !== 'simulator')).toEqual([
    { source: 'ga4', last_success: new Date(T2.getTime() - 600_000).toISOString(), age_s: 600, last_status: 'error' },
    { source: 'square', last_success: new Date(T2.getTime() - 60_000).toISOString(), age_s: 60, last_status: 'ok' },
  ]);
  await db.query(`INSERT INTO etl_runs (source, stream, started_at, finished_at, status) VALUES ('ga4', 'traffic', $1::timestamptz - interval '20 seconds', $1::timestamptz - interval '10 seconds', 'ok')`, [T2.toISOString()]);
  const ok = await get(`${http.url}/readyz`);
  expect(ok.status).toBe(200);
  expect(ok.body.status).toBe('ready');
});

test('per-minute request figures reach adm.api_request_stats (what the system-health dashboard reads)', async () => {
  let now = Date.parse('2026-11-20T19:30:10Z');
  const stats = new RequestStats(() => now);
  for (let i = 1; i <= 100; i++) stats.record('/api/v1/dashboard/top-products', i === 100 ? 500 : i > 95 ? 401 : 200, i);
  stats.record('/metrics', 200, 3);
  expect(await stats.flush(db)).toBe(0); // the minute is not over
  now += 60_000;
  expect(await stats.flush(db)).toBe(2);
  const rows = await readAs(db, 'admin', (q) => q.query<Record<string, unknown>>(`SELECT time, route, requests, errors, rejected, p50_ms, p99_ms, max_ms FROM adm.api_request_stats ORDER BY route`));
  expect(rows.rows[0]).toMatchObject({ route: '/api/v1/dashboard/top-products', requests: 100, errors: 1, rejected: 4, p50_ms: '50.00', p99_ms: '99.00', max_ms: '100.00' });
  expect(new Date(rows.rows[0]?.time as string).toISOString()).toBe('2026-11-20T19:30:00.000Z');
  // A second flush of the same minute (after a restart) adds up.
  now -= 60_000;
  stats.record('/metrics', 200, 9);
  await stats.flush(db, true);
  const [m] = (await db.query<{ requests: number; max_ms: string }>(`SELECT requests, max_ms FROM api_request_stats WHERE route = '/metrics'`)).rows;
  expect(m).toEqual({ requests: 2, max_ms: '9.00' });
});
